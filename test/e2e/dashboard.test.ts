/**
 * The leadership dashboard (issue 8), end to end: the real server with the Project 06 demo data,
 * driven in Debian's headless Chromium through playwright-core. Screenshots of every page go to
 * test-output/screenshots/ (not committed). Without /usr/bin/chromium the browser part is skipped
 * and says so in its name; the serving checks and the query checks run everywhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL as DASHBOARD_QUERIES } from '../../web/src/queries.js';
import { CHROMIUM, CHROMIUM_ARGS as ARGS, hasChromium } from '../support/chromium.js';
import { TestServer, ok, token } from '../support/server.js';

const root = new URL('../..', import.meta.url).pathname;
const shots = join(root, 'test-output', 'screenshots');

let server: TestServer;
let leader: string;

beforeAll(async () => {
  // `npm install` builds the dashboard (prepare); build here too when the sources are newer.
  execFileSync(process.execPath, [join(root, 'web/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  server = await TestServer.start({ TIENDO_DEMO: '1' });
  leader = await token({ id: 'demo-leader', role: 'leader', unit: 'GOV' });
  // The demo seeds itself after /health turns 200; HN-2026-01 is the last thing it records.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await server.gql<{ task: { id: string } | null; programmeDashboard: { provinces: unknown[] } }>(
      '{ task(id: "HN-2026-01") { id } programmeDashboard { provinces { onTimeRate } } }', {}, leader);
    if (r.body.data?.task && r.body.data.programmeDashboard.provinces.length > 0) break;
    if (Date.now() > deadline) throw new Error(`the demo did not finish seeding:\n${server.output}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

describe('dashboard serving', () => {
  it('serves the page at / and for client-side routes, with a strict CSP', async () => {
    for (const path of ['/', '/unit/01', '/task/DA06-01%2F01', '/compare?unit=GOV', '/search?q=ha%20noi']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app">');
    }
  });

  it('never shadows /graphql, /graphiql or /health, and keeps missing files 404', async () => {
    expect((await fetch(`${server.url}/health`)).headers.get('content-type')).toMatch(/json/);
    expect((await server.raw('{"query":"{ me { id } }"}', { 'content-type': 'application/json' })).status).toBe(401);
    expect((await fetch(`${server.url}/graphql?query=%7Bme%7Bid%7D%7D`)).status).toBe(401);
    const graphiql = await fetch(`${server.url}/graphiql`);
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).not.toContain('<div id="app">');
    for (const path of ['/assets/missing.js', '/missing.txt', '/graphql/x', '/health/x']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).not.toBe(200);
      expect(res.headers.get('content-type'), path).not.toMatch(/html/);
    }
    expect((await fetch(`${server.url}/unit/01`, { method: 'POST' })).status).toBe(404);
  });

  it('serves hashed assets compressed and cacheable for a year (small on a slow line)', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(js && css).toBeTruthy();
    for (const asset of [js!, css!]) {
      const res = await fetch(`${server.url}${asset}`, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe('br');
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(Number(res.headers.get('content-length'))).toBeLessThan(40_000);
    }
  });

  it('sends only queries the schema accepts', () => {
    const schema = buildSchema(readFileSync(join(root, 'schemas/schema.graphql'), 'utf8'));
    for (const [name, query] of Object.entries(DASHBOARD_QUERIES)) {
      expect(validate(schema, parse(query)).map((e) => e.message), name).toEqual([]);
    }
  });
});

const describeBrowser = describe.skipIf(!hasChromium);

describeBrowser(`dashboard in headless Chromium${hasChromium ? '' : ' (skipped: /usr/bin/chromium not installed)'}`, () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const graphqlCalls: { auth: string | undefined }[] = [];

  /** Waits until the page has drawn everything it loads (no spinner left in main). */
  const settle = async () => {
    await page.waitForSelector('main[data-ready]');
    await page.waitForFunction(() => !document.querySelector('main .loading'), undefined, { timeout: 30_000 });
  };
  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const text = (selector: string) => page.locator(selector).first().innerText();
  const svgText = async () => (await page.locator('svg.trend').first().textContent()) ?? '';

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/401 \(Unauthorized\)/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/graphql') graphqlCalls.push({ auth: r.headers().authorization });
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('asks for a token, refuses a bad one and signs in with a leader token', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#token');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await shot('01-sign-in');
    await page.fill('#token', 'not-a-token');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.alert.error');
    expect(await text('.alert.error')).toContain('không hợp lệ');
    await page.fill('#token', leader);
    await page.click('form button[type=submit]');
    await page.waitForSelector('#ministries');
    expect(await page.evaluate(() => sessionStorage.getItem('tiendo.token'))).toBe(leader);
    expect(await text('header')).toContain('demo-leader');
  }, 90_000);

  it('shows the programme: ministries and provinces ranked by on-time rate, overdue, trend, obstacles', async () => {
    await settle();
    const api = ok(await server.gql<{
      programmeDashboard: { ministries: { unit: { name: string }; totalTasks: number }[]; provinces: { unit: { name: string }; totalTasks: number; overdue: number }[] };
      unitProgress: { totalTasks: number };
    }>('{ programmeDashboard { ministries { unit { name } totalTasks } provinces { unit { name } totalTasks overdue } } unitProgress(unitId: "GOV") { totalTasks } }', {}, leader));

    expect(await text('h1')).toBe('Tổng quan thực hiện Đề án 06');
    expect(await text('.kpis .kpi:first-child .kpi-value')).toBe(String(api.unitProgress.totalTasks));
    const ministries = await page.locator('#ministries tbody th').allInnerTexts();
    expect(ministries).toEqual(api.programmeDashboard.ministries.filter((r) => r.totalTasks > 0).map((r) => r.unit.name));
    expect(ministries).toContain('Bộ Công an');
    const provinces = await page.locator('#provinces tbody th').allInnerTexts();
    expect(provinces).toEqual(api.programmeDashboard.provinces.map((r) => r.unit.name));
    expect(provinces).toContain('Thành phố Hà Nội');
    // The quarterly trend: a column per quarter end since Q1/2022, drawn in SVG.
    await page.waitForSelector('.trend-slot[data-state="loaded"] svg.trend');
    expect(await page.locator('svg.trend rect.bar').count()).toBeGreaterThan(10);
    expect(await svgText()).toContain('Q4/22');
    // Obstacles by category: the panel is drawn (or marked as awaiting the API).
    expect(await page.getAttribute('.obstacle-slot', 'data-state')).toMatch(/loaded|unavailable/);
    expect(await text('.obstacle-slot')).toMatch(/Thể chế, pháp lý|API/);
    await shot('02-programme');
  }, 90_000);

  it('drills into a province: tasks by status, indicators against targets, communes, task list', async () => {
    await page.locator('#provinces').getByRole('link', { name: 'Thành phố Hà Nội' }).click();
    await page.waitForURL(/\/unit\/01$/);
    await settle();
    expect(await text('h1')).toBe('Thành phố Hà Nội');
    expect(await text('.breakdown')).toContain('Chưa hoàn thành, quá hạn');
    expect(await text('.indicators')).toContain('Hồ sơ dân cư được làm sạch');
    expect(await text('#children')).toContain('Phường Ba Đình');
    const tasks = await text('main');
    expect(tasks).toContain('DA06-01/01');
    expect(tasks).toContain('Hướng dẫn người dân sử dụng dịch vụ công trực tuyến');
    await shot('03-unit-province');
  }, 90_000);

  it('finds a task without diacritics and shows its timeline: from → to, reason, basis, who, when', async () => {
    await page.fill('#q', 'dich vu cong thiet yeu');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#search-results');
    await settle();
    expect(await text('#search-results')).toContain('DA06-04');
    await shot('04-search');
    await page.locator('#search-results').getByRole('link', { name: /Tích hợp, cung cấp 25 dịch vụ công thiết yếu/ }).click();
    await page.waitForURL(/\/task\/DA06-04$/);
    await settle();
    expect(await text('h1')).toBe('Tích hợp, cung cấp 25 dịch vụ công thiết yếu trên Cổng Dịch vụ công quốc gia');
    expect(await text('.facts')).toContain('06/QĐ-TTg ngày 06/01/2022 của Thủ tướng Chính phủ');
    const approved = page.locator('#timeline li[data-kind="DeadlineExtensionApproved"]');
    const entry = await approved.innerText();
    expect(entry).toContain('Đồng ý gia hạn');
    expect(entry).toContain('Thời hạn: 30/06/2022 → 31/12/2022');
    expect(entry).toContain('Đồng ý gia hạn theo kết luận của Tổ công tác');
    expect(entry).toContain('Thông báo kết luận của Tổ trưởng Tổ công tác (minh họa)');
    expect(entry).toContain('demo-leader');
    expect(entry).toContain('27/06/2022');
    const history = ok(await server.gql<{ task: { history: { totalCount: number } } }>('{ task(id: "DA06-04") { history { totalCount } } }', {}, leader));
    expect(await page.locator('#timeline > li').count()).toBe(history.task.history.totalCount);
    // Why (issue 17): the deadline's chain of causes, nearest first, in Vietnamese; the status explains itself.
    await page.waitForSelector('.why-slot[data-state="loaded"]');
    const whyDeadline = page.locator('#why-deadline');
    expect(await whyDeadline.locator('h3').innerText()).toBe('Vì sao thời hạn là 31/12/2022?');
    expect(await whyDeadline.locator('li.why-link').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')} ${e.getAttribute('data-event')}`))).toEqual([
      'SET_BY DeadlineExtensionApproved', 'DECIDED_ON_BASIS_OF DeadlineExtensionRequested', 'REQUESTED_BECAUSE_OF ObstacleRaised',
    ]);
    const chain = await whyDeadline.innerText();
    expect(chain).toContain('Được xác định bởi Đồng ý gia hạn');
    expect(chain).toContain('Đồng ý gia hạn theo kết luận của Tổ công tác');
    expect(chain).toContain('demo-leader');
    expect(chain).toContain('Đề nghị vì Nêu khó khăn, vướng mắc — Vướng mắc VM-DA06-04 (Phối hợp liên ngành');
    const whyStatus = await text('#why-status');
    expect(whyStatus).toContain('Vì sao tình trạng là “Đã hoàn thành đúng hạn”?');
    expect(whyStatus).toContain('Đã hoàn thành đúng hạn từ ngày 05/01/2023: thời hạn 31/12/2022 có hiệu lực, đã báo cáo hoàn thành.');
    expect(await page.locator('#why-status li.why-link').evaluateAll((els) => els.map((e) => e.getAttribute('data-event')))).toEqual([
      'CompletionConfirmed', 'CompletionReported', 'DeadlineExtensionApproved', 'DeadlineExtensionRequested', 'ObstacleRaised',
    ]);
    await shot('05-task');

    await page.getByRole('button', { name: 'English', exact: true }).click();
    await page.waitForSelector('#timeline');
    await settle();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    const english = await page.locator('#timeline li[data-kind="DeadlineExtensionApproved"]').innerText();
    expect(english).toContain('Deadline extension approved');
    expect(english).toContain('Deadline: 2022-06-30 → 2022-12-31');
    await shot('06-task-english');
    await page.getByRole('button', { name: 'Tiếng Việt', exact: true }).click();
    await page.waitForSelector('#timeline');
    await settle();
  }, 90_000);

  it('shows any view as of a past date', async () => {
    // The task before its extension was approved: the old deadline, the request pending, due soon.
    await page.fill('#asof', '2022-06-25');
    await page.click('#asof-apply');
    await page.waitForURL(/asOf=2022-06-25/);
    await settle();
    expect(await text('.banner')).toContain('25/06/2022');
    expect(await text('.facts')).toContain('30/06/2022');
    expect(await text('.facts')).toContain('đến 31/12/2022');
    expect(await text('.page-head')).toContain('Sắp đến hạn');
    expect(await page.locator('#timeline li[data-kind="DeadlineExtensionApproved"]').count()).toBe(0);
    // Why, as of that day: the deadline as assigned; due soon from 7 days before it.
    await page.waitForSelector('.why-slot[data-state="loaded"]');
    expect(await text('#why-deadline')).toContain('Giữ nguyên từ khi giao nhiệm vụ');
    expect(await page.locator('#why-deadline li.why-link').evaluateAll((els) => els.map((e) => e.getAttribute('data-event')))).toEqual(['TaskAssigned']);
    expect(await text('#why-status')).toContain('Sắp đến hạn từ ngày 23/06/2022: thời hạn 30/06/2022 có hiệu lực, chưa báo cáo hoàn thành.');
    const before = ok(await server.gql<{ task: { history: { totalCount: number } } }>(
      '{ task(id: "DA06-04", asOf: "2022-06-25T23:59:59.999+07:00") { history { totalCount } } }', {}, leader));
    expect(before.task.history.totalCount).toBeGreaterThan(0);
    expect(await page.locator('#timeline > li').count()).toBe(before.task.history.totalCount);
    await shot('07-task-as-of-2022-06-25');

    // The programme at the end of 2023: figures from a replay to that instant.
    await page.getByRole('link', { name: 'Tổng quan', exact: true }).click();
    await page.waitForSelector('#ministries');
    await page.fill('#asof', '2023-12-31');
    await page.press('#asof', 'Enter');
    await page.waitForURL(/asOf=2023-12-31/);
    await settle();
    const api = ok(await server.gql<{ unitProgress: { totalTasks: number; byStatus: { status: string; count: number }[] }; programmeDashboard: { ministries: { unit: { name: string }; totalTasks: number }[] } }>(
      'query($at: DateTime) { unitProgress(unitId: "GOV", asOf: $at) { totalTasks byStatus { status count } } programmeDashboard(asOf: $at) { ministries { unit { name } totalTasks } } }',
      { at: '2023-12-31T23:59:59.999+07:00' }, leader));
    const onTime = api.unitProgress.byStatus.find((b) => b.status === 'COMPLETED_ON_TIME')!.count;
    expect(await text('.kpis .kpi:nth-child(1) .kpi-value')).toBe(String(api.unitProgress.totalTasks));
    expect(await text('.kpis .kpi:nth-child(2) .kpi-value')).toBe(String(onTime));
    expect(onTime).toBeGreaterThan(0); // DA06-04 (after its extension) and DA06-03
    expect(await page.locator('#ministries tbody th').allInnerTexts())
      .toEqual(api.programmeDashboard.ministries.filter((r) => r.totalTasks > 0).map((r) => r.unit.name));
    await page.waitForSelector('.trend-slot[data-state="loaded"] svg.trend');
    expect(await svgText()).toContain('Q4/23');
    expect(await svgText()).not.toContain('Q1/24');
    await shot('08-programme-as-of-2023-12-31');
  }, 90_000);

  it('compares two dates for a unit', async () => {
    await page.getByRole('link', { name: 'So sánh hai thời điểm', exact: true }).click();
    await page.waitForSelector('#cmp-unit option[value="VPCP"]', { state: 'attached' });
    await page.selectOption('#cmp-unit', 'VPCP');
    await page.fill('#cmp-from', '2022-03-31');
    await page.fill('#cmp-to', '2023-03-31');
    await page.click('.compare-form button[type=submit]');
    await page.waitForURL(/unit=VPCP&from=2022-03-31&to=2023-03-31/);
    await page.locator('.summary', { hasText: 'Văn phòng Chính phủ' }).waitFor();
    await settle();
    expect(await text('.summary')).toContain('Văn phòng Chính phủ');
    const row = await page.locator('#changed tr[data-task="DA06-04"]').innerText();
    expect(row).toContain('Thời hạn: 30/06/2022 → 31/12/2022');
    expect(row).toContain('Giai đoạn: Đang thực hiện → Đã hoàn thành');
    await shot('09-compare');
  }, 90_000);

  it('goes back to current figures, keeps the session on reload and signs out', async () => {
    await page.getByRole('button', { name: 'Hôm nay' }).click();
    await page.waitForFunction(() => !location.search.includes('asOf'));
    expect(await page.locator('.banner').count()).toBe(0);
    await page.goto(`${server.url}/unit/01`);
    await settle();
    expect(await text('h1')).toBe('Thành phố Hà Nội');
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.waitForSelector('#token');
    expect(await page.evaluate(() => sessionStorage.getItem('tiendo.token'))).toBeNull();

    expect(graphqlCalls.length).toBeGreaterThan(20);
    // Every GraphQL call carried a Bearer token (the one refused on purpose included).
    expect(graphqlCalls.filter((c) => !c.auth?.startsWith('Bearer '))).toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);
});
