/**
 * `npm run bench:field`: how heavy the field page (/field) is for a low-end phone on 3G.
 *
 *   1. size over the wire as the server sends it: every file of the first visit (field.html, its
 *      scripts and styles, the service worker), with brotli, with gzip and uncompressed;
 *   2. time to interactive under Chromium's "Slow 3G" (DevTools' preset, sent with CDP
 *      Network.emulateNetworkConditions: 400 ms RTT × 5 = 2000 ms latency, 500 kbit/s × 0.8 =
 *      50,000 bytes/s each way), in Debian's headless Chromium: from navigation start to the
 *      page's `field-ready` mark (drawn, handlers attached: the sign-in form, or the task cards
 *      with their forms). Also with the CPU slowed 4× (a low-end phone), and the bytes Chromium
 *      counted on the wire (headers included).
 *
 * Runs the real server on a fresh data directory with one commune and 20 open tasks. Prints the
 * figures; asserts nothing (a measurement, not a test).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS as ARGS } from '../test/support/chromium.js';
import { TestServer, ok, token } from '../test/support/server.js';

const root = new URL('..', import.meta.url).pathname;
/** DevTools' "Slow 3G" preset (the same numbers as puppeteer's PredefinedNetworkConditions['Slow 3G']). */
const SLOW_3G = { offline: false, latency: 400 * 5, downloadThroughput: ((500 * 1000) / 8) * 0.8, uploadThroughput: ((500 * 1000) / 8) * 0.8 };
const UNIT = '00004';

async function seed(server: TestServer): Promise<string> {
  const admin = await token({ id: 'admin-1', role: 'admin', unit: 'GOV' });
  const leader = await token({ id: 'leader-gov', role: 'leader', unit: 'GOV' });
  for (const [id, kind, name, parentId] of [['GOV', 'GOVERNMENT', 'Chính phủ', null], ['01', 'PROVINCE', 'Thành phố Hà Nội', 'GOV'], [UNIT, 'COMMUNE', 'Phường Ba Đình', '01']]) {
    ok(await server.gql('mutation ($i: RegisterUnitInput!) { registerUnit(input: $i) { position } }', { i: { id, kind, name, parentId } }, admin));
  }
  for (let n = 1; n <= 20; n++) {
    ok(await server.gql('mutation ($i: AssignTaskInput!) { assignTask(input: $i) { position } }', { i: {
      id: `F${n}`, title: `Nhiệm vụ số ${n} của phường: thu nhận hồ sơ, làm sạch dữ liệu dân cư`, leadUnitId: UNIT, deadline: '2099-12-31',
      source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
      indicators: [{ code: 'HS', name: 'Hồ sơ thu nhận', unitOfMeasure: 'hồ sơ', target: 500 }],
    } }, leader));
  }
  return token({ id: 'focal-00004', role: 'focal_point', unit: UNIT });
}

/** Bytes of every file of a first visit, as the server sends them with each Accept-Encoding. */
async function wireSizes(server: TestServer): Promise<void> {
  const html = await (await fetch(`${server.url}/field`)).text();
  const files = ['/field', ...[...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!), '/field-sw.js'];
  console.log('\nField page, size over the wire (bodies as served):');
  console.log(`${'file'.padEnd(34)}${'br'.padStart(9)}${'gzip'.padStart(9)}${'none'.padStart(9)}`);
  const total = { br: 0, gzip: 0, identity: 0 };
  for (const file of files) {
    const row: number[] = [];
    for (const encoding of ['br', 'gzip', 'identity'] as const) {
      const res = await fetch(`${server.url}${file}`, { headers: { 'accept-encoding': encoding } });
      // fetch decompresses; Content-Length is what travelled.
      const bytes = Number(res.headers.get('content-length') ?? (await res.arrayBuffer()).byteLength);
      total[encoding] += bytes;
      row.push(bytes);
    }
    console.log(`${file.padEnd(34)}${row.map((b) => String(b).padStart(9)).join('')}`);
  }
  console.log(`${'total'.padEnd(34)}${[total.br, total.gzip, total.identity].map((b) => String(b).padStart(9)).join('')}`);
}

/** One visit under Slow 3G: ms to the page's field-ready mark, and bytes Chromium counted. */
async function visit(browser: Browser, server: TestServer, focal: string | null, cpu: number, warm: boolean) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  if (focal || warm) {
    // Signed in before (token and tasks on the device) and, when warm, the service worker installed.
    await page.goto(`${server.url}/field`);
    if (focal) {
      await page.fill('#token', focal);
      await page.click('form button[type=submit]');
      await page.waitForSelector('body[data-ready="tasks"]');
    }
    await page.evaluate(() => navigator.serviceWorker.ready);
    if (!warm) {
      await page.evaluate(async () => {
        for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
        for (const k of await caches.keys()) await caches.delete(k);
      });
    }
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (!warm) await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  let bytes = 0;
  const encodings = new Set<string>();
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
  cdp.on('Network.responseReceived', (e: { response: { headers: Record<string, string> } }) => {
    const encoding = e.response.headers['content-encoding'];
    if (encoding) encodings.add(encoding);
  });
  await page.goto(`${server.url}/field`, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForSelector('body[data-ready]', { timeout: 120_000 });
  const ms = await page.evaluate(() => performance.getEntriesByName('field-ready')[0]!.startTime);
  const what = (await page.getAttribute('body', 'data-ready')) ?? '';
  await context.close();
  return { ms: Math.round(ms), bytes, what, encodings: [...encodings].join(',') || '—' };
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(root, 'web/build.mjs'), '--if-stale'], { stdio: 'inherit' });
  const server = await TestServer.start();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const focal = await seed(server);
    await wireSizes(server);
    console.log(`\nTime to interactive under Slow 3G (latency ${SLOW_3G.latency} ms, ${SLOW_3G.downloadThroughput} B/s down and up), 20 open tasks:`);
    console.log(`${'visit'.padEnd(58)}${'CPU'.padStart(5)}${'TTI ms'.padStart(9)}${'wire B'.padStart(9)}  ready   encoding`);
    const cases = [
      ['first visit, nothing cached (sign-in form)', null, false],
      ['signed in, no offline copy (tasks cached, page fetched)', focal, false],
      ['signed in, service worker installed (daily use)', focal, true],
    ] as const;
    for (const cpu of [1, 4]) {
      for (const [name, who, warm] of cases) {
        const r = await visit(browser, server, who, cpu, warm);
        console.log(`${name.padEnd(58)}${`${cpu}×`.padStart(5)}${String(r.ms).padStart(9)}${String(r.bytes).padStart(9)}  ${r.what.padEnd(8)}${r.encodings}`);
      }
    }
  } finally {
    await browser.close();
    await server.dispose();
  }
}

await main();
