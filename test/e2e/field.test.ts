/**
 * The field page (/field, issue 17) end to end: the real server as a child process, Debian's
 * headless Chromium through playwright-core. A commune focal point signs in once, the unit's open
 * tasks are kept, the line drops (context.setOffline), four actions are taken and the page is
 * reloaded offline (the service worker serves it); back online the outbox drains, and every action
 * is in the store exactly once. A second test: an action on a task another client changed
 * meanwhile comes back as a CONFLICT beside the action, with the task as it is now, and is not sent again;
 * so does one the server refuses (BAD_USER_INPUT). A third: an action whose answer is lost (the
 * request reaches the server, the connection drops) is resent with its clientMutationId and stored once.
 * Without /usr/bin/chromium the browser part is skipped and says so in its name.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_ALL } from '../../web/src/field/queries.js';
import { CHROMIUM, CHROMIUM_ARGS as ARGS, hasChromium } from '../support/chromium.js';
import { readStoredEvents } from '../support/events-db.js';
import { TestServer, ok, token } from '../support/server.js';

const root = new URL('../..', import.meta.url).pathname;
const UNIT = '00004';

let server: TestServer;
let leader: string;
let focal: string;

const TASK_NOW = `query ($id: ID!) { task(id: $id) { version phase progress deadline indicators { code actual } } }`;

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'web/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  server = await TestServer.start();
  const admin = await token({ id: 'admin-1', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader-gov', role: 'leader', unit: 'GOV' });
  focal = await token({ id: 'focal-00004', role: 'focal_point', unit: UNIT });
  for (const [id, kind, name, parentId] of [['GOV', 'GOVERNMENT', 'Chính phủ', null], ['01', 'PROVINCE', 'Thành phố Hà Nội', 'GOV'], [UNIT, 'COMMUNE', 'Phường Ba Đình', '01']]) {
    ok(await server.gql('mutation ($i: RegisterUnitInput!) { registerUnit(input: $i) { position } }', { i: { id, kind, name, parentId } }, admin));
  }
  const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
  const tasks = [
    { id: 'F1', title: 'Thu nhận hồ sơ cấp căn cước', indicators: [{ code: 'HS', name: 'Hồ sơ thu nhận', unitOfMeasure: 'hồ sơ', target: 500 }] },
    { id: 'F2', title: 'Làm sạch dữ liệu dân cư của phường' },
    { id: 'F3', title: 'Kích hoạt tài khoản định danh điện tử' },
  ];
  for (const task of tasks) {
    ok(await server.gql('mutation ($i: AssignTaskInput!) { assignTask(input: $i) { position } }', { i: { ...task, source, leadUnitId: UNIT, deadline: '2099-12-31' } }, leader));
  }
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

/** Events the store holds for a clientMutationId, read from the SQLite file itself. */
const storedFor = (cmid: string) => readStoredEvents(server.dataDir, "json_extract(metadata, '$.clientMutationId') = ?", cmid);

describe('field page serving', () => {
  it('serves /field as its own small page with the dashboard\'s CSP, and the service worker never stale', async () => {
    const page = await fetch(`${server.url}/field`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toMatch(/src="\/assets\/field-[^"]+\.js"/);
    expect(html).not.toContain('/assets/index-');
    const sw = await fetch(`${server.url}/field-sw.js`, { headers: { 'accept-encoding': 'br' } });
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/javascript/);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const text = await (await fetch(`${server.url}/field-sw.js`)).text();
    // The build wrote the page's own files into the worker's list.
    for (const asset of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) expect(text).toContain(asset[1]);
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/`)).text()).not.toContain('/assets/field-');
  });

  it('sends only documents the schema accepts', () => {
    const schema = buildSchema(readFileSync(join(root, 'schemas/schema.graphql'), 'utf8'));
    for (const [name, document] of Object.entries(FIELD_ALL)) {
      expect(validate(schema, parse(document)).map((e) => e.message), name).toEqual([]);
    }
  });
});

const describeBrowser = describe.skipIf(!hasChromium);

describeBrowser(`field page in headless Chromium${hasChromium ? '' : ' (skipped: /usr/bin/chromium not installed)'}`, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  /** Mutation answers that reached the page, by clientMutationId: what the server actually received and answered. */
  const answered = new Map<string, number>();

  /** Waits, up to a deadline, until `check` holds. */
  const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const card = (id: string) => page.locator(`[data-task="${id}"]`);
  /** The outbox as IndexedDB holds it. */
  const outbox = () => page.evaluate(() => new Promise<{ clientMutationId: string; kind: string; taskId: string | null; expectedVersion: number | null; state: string; attempts: number }[]>((resolve, reject) => {
    const open = indexedDB.open('tiendo-field');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const req = open.result.transaction('outbox').objectStore('outbox').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    };
  }));
  const act = async (scope: string, kind: string, fill: Record<string, string>) => {
    const box = page.locator(`${scope} details:has(form[data-kind="${kind}"])`);
    await box.locator('summary').click();
    for (const [name, value] of Object.entries(fill)) {
      const control = box.locator(`[name="${name}"]`);
      if ((await control.evaluate((el) => el.tagName)) === 'SELECT') await control.selectOption(value);
      else await control.fill(value);
    }
    const before = (await outbox()).length;
    await box.locator('button[type=submit]').click();
    await until(`the ${kind} entry in the outbox`, async () => (await outbox()).length === before + 1);
  };

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', async (res) => {
      const body = res.request().postData();
      if (new URL(res.url()).pathname !== '/graphql' || !body?.includes('clientMutationId')) return;
      const cmid = (JSON.parse(body) as { variables: { input: { clientMutationId: string } } }).variables.input.clientMutationId;
      answered.set(cmid, (answered.get(cmid) ?? 0) + 1);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('signs in once, keeps the tasks, takes four actions offline, reloads offline, and sends each once when back online', async () => {
    await page.goto(`${server.url}/field`);
    await page.waitForSelector('#token');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await page.fill('#token', focal);
    await page.click('form button[type=submit]');
    await page.waitForSelector('[data-task="F3"]');
    expect(await page.locator('h1').innerText()).toContain('Phường Ba Đình');
    const cached = await page.evaluate(() => JSON.parse(localStorage.getItem('tiendo.field.tasks') ?? 'null') as { tasks: { id: string; version: number }[] });
    expect(cached.tasks.map((t) => [t.id, t.version]).sort()).toEqual([['F1', 0], ['F2', 0], ['F3', 0]]);
    // The worker has kept the page once it is active (install fills the cache first).
    expect(await page.evaluate(async () => !!(await navigator.serviceWorker.ready).active)).toBe(true);

    await context.setOffline(true);
    await page.waitForSelector('.net.off');
    await act('[data-task="F1"]', 'reportProgress', { percent: '40', 'ind:HS': '120', note: 'Đã thu nhận 120 hồ sơ' });
    await act('[data-task="F1"]', 'raiseObstacle', { category: 'INFRASTRUCTURE', description: 'Máy đọc thẻ hỏng', proposedSolution: 'Cấp máy mới' });
    await act('[data-task="F1"]', 'reportCompletion', { evidence: 'Biên bản nghiệm thu' });
    await act('[data-report]', 'submitPeriodicReport', { narrative: 'Báo cáo tháng: đã thu nhận 120 hồ sơ.' });
    const queued = await outbox();
    expect(queued.map((e) => e.kind)).toEqual(['reportProgress', 'raiseObstacle', 'reportCompletion', 'submitPeriodicReport']);
    expect(queued.map((e) => e.expectedVersion)).toEqual([0, 0, 0, null]);
    expect(new Set(queued.map((e) => e.clientMutationId)).size).toBe(4);
    expect(await card('F1').locator('.entry[data-state="pending"]').count()).toBe(3);
    for (const e of queued) expect(storedFor(e.clientMutationId)).toEqual([]);

    // Offline reload: the service worker answers, the outbox is still there.
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await page.waitForSelector('[data-task="F1"] .entry[data-state="pending"]');
    expect(await page.locator('.entry[data-state="pending"]').count()).toBe(4);
    expect(await page.locator('.pending').getAttribute('data-pending')).toBe('4');

    await context.setOffline(false);
    await until('the outbox to drain', async () => (await outbox()).every((e) => e.state === 'sent'));
    await page.waitForSelector('.pending[data-pending="0"]');

    const types = queued.map((e) => {
      const events = storedFor(e.clientMutationId);
      expect(events, e.kind).toHaveLength(1);
      expect(answered.get(e.clientMutationId), e.kind).toBe(1);
      return events[0]!.type;
    });
    expect(types).toEqual(['ProgressReported', 'ObstacleRaised', 'CompletionReported', 'PeriodicReportSubmitted']);
    // In order, and the completion was sent on the version the progress report made (the user's own step, not a conflict).
    const positions = queued.map((e) => Number(storedFor(e.clientMutationId)[0]!.position));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect((await outbox())[2]!.expectedVersion).toBe(1);
    const f1 = ok(await server.gql<{ task: { version: number; phase: string; progress: number; indicators: { code: string; actual: number }[] } }>(TASK_NOW, { id: 'F1' }, leader)).task;
    expect(f1).toMatchObject({ version: 2, phase: 'AWAITING_CONFIRMATION', progress: 40, indicators: [{ code: 'HS', actual: 120 }] });
    expect(problems).toEqual([]);
  }, 180_000);

  it('shows a CONFLICT (task changed meanwhile) or a refusal beside the action, with the task as it is now, and does not send it again', async () => {
    await context.setOffline(true);
    await page.waitForSelector('.net.off');
    await act('[data-task="F3"]', 'reportProgress', { percent: '10', note: 'Đã kích hoạt 50 tài khoản' });
    const [entry] = (await outbox()).filter((e) => e.taskId === 'F3');
    expect(entry!.expectedVersion).toBe(0);
    // And one the server refuses whatever the version: completed before the task's source document.
    await act('[data-task="F2"]', 'reportCompletion', { completedOn: '2020-01-01', evidence: 'Biên bản' });
    const [refusedEntry] = (await outbox()).filter((e) => e.taskId === 'F2');

    // Meanwhile another client moves F3 on: an extension requested and approved, a new deadline.
    ok(await server.gql('mutation { requestDeadlineExtension(input: { taskId: "F3", proposedDeadline: "2100-06-30", reason: "Chờ thiết bị" }) { position } }', {}, focal));
    ok(await server.gql('mutation { decideDeadlineExtension(input: { taskId: "F3", approve: true, deadline: "2100-06-30", reason: "Đồng ý" }) { position } }', {}, leader));

    await context.setOffline(false);
    const conflict = card('F3').locator(`.entry[data-cmid="${entry!.clientMutationId}"]`);
    await conflict.locator('.problem').waitFor({ timeout: 60_000 });
    expect(await conflict.getAttribute('data-state')).toBe('conflict');
    const shown = await conflict.innerText();
    expect(shown).toContain('Xung đột');
    expect(shown).toContain('phiên bản 2');
    expect(shown).toContain('30/06/2100');
    expect(shown).toContain('không được gửi lại');
    const refused = card('F2').locator(`.entry[data-cmid="${refusedEntry!.clientMutationId}"]`);
    await refused.locator('.problem').waitFor({ timeout: 60_000 });
    expect(await refused.getAttribute('data-state')).toBe('refused');
    expect(await refused.innerText()).toMatch(/Bị từ chối[\s\S]*completedOn is before the source document[\s\S]*phiên bản 0/);
    // The card shows the new version too, so the next action is decided on it.
    expect(await card('F3').locator('.version').innerText()).toContain('2');

    await until('the conflict to be on disk', async () => (await outbox()).find((e) => e.clientMutationId === entry!.clientMutationId)!.state === 'conflict');
    const { attempts } = (await outbox()).find((e) => e.clientMutationId === entry!.clientMutationId)!;
    // Another round (a later action, sent): the refused one stays aside, sent once, written never.
    await act('[data-report]', 'submitPeriodicReport', { narrative: 'Báo cáo bổ sung.' });
    await until('the later action to be sent', async () => (await outbox()).at(-1)!.state === 'sent');
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await until('the outbox to settle', async () => (await outbox()).every((e) => e.state !== 'pending'));
    const after = (await outbox()).find((e) => e.clientMutationId === entry!.clientMutationId)!;
    expect(after).toMatchObject({ state: 'conflict', attempts });
    expect(answered.get(entry!.clientMutationId)).toBe(1);
    expect(storedFor(entry!.clientMutationId)).toEqual([]);
    expect(answered.get(refusedEntry!.clientMutationId)).toBe(1);
    expect(storedFor(refusedEntry!.clientMutationId)).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);

  it('resends an action whose answer was lost with the same clientMutationId, and the store has it once', async () => {
    // The first send reaches the server and is written; the page never hears back (the connection drops).
    let lost = 0;
    await context.route('**/graphql', async (route) => {
      if (lost === 0 && route.request().postData()?.includes('FieldReport')) {
        lost += 1;
        await route.fetch();
        await route.abort('connectionreset');
      } else await route.continue();
    });
    await act('[data-report]', 'submitPeriodicReport', { narrative: 'Báo cáo gửi lại sau khi mất kết nối.' });
    const entry = (await outbox()).at(-1)!;
    await until('the lost answer', () => lost === 1);
    await until('the write to be on disk', () => storedFor(entry.clientMutationId).length === 1);
    expect((await outbox()).at(-1)).toMatchObject({ state: 'pending', attempts: 1 });

    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await until('the resend to be answered', async () => (await outbox()).at(-1)!.state === 'sent');
    expect((await outbox()).at(-1)!.attempts).toBe(2);
    expect(storedFor(entry.clientMutationId)).toHaveLength(1);
    await context.unroute('**/graphql');
    expect(problems).toEqual([]);
  }, 120_000);
});
