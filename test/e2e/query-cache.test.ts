import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/schemas.js';
import { eventually } from '../support/eventually.js';
import { TestServer, ok, token } from '../support/server.js';

/**
 * The GraphQL response micro-cache (src/api/query-cache.ts) through the real server: a query's
 * answer sent again only to the same actor, while the read model has not moved, within
 * TIENDO_QUERY_CACHE_MS, and never an answer with errors. Hits and misses are read from /metrics.
 *
 * Tree: GOV ─ 01, 48. Task C: confidential, lead 01 (a leader of 48 must not see it); task P: public.
 */
let server: TestServer;
const source = { number: '06/QĐ-TTg', date: '2024-01-02', issuer: 'Thủ tướng Chính phủ' };
const as = (role: Role, unit: string) => token({ id: `${role}@${unit}`, role, unit });

async function counters(s: TestServer) {
  const text = (await s.raw('', {}, 'GET', '/metrics')).text;
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { hits: read('tiendo_query_cache_hits_total'), misses: read('tiendo_query_cache_misses_total'), bytes: read('tiendo_query_cache_bytes') };
}

/** The same request, raw: status, content type and the exact bytes. */
async function post(s: TestServer, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const PROGRESS = 'query ($id: ID!) { task(id: $id) { id progress version } }';
const AS_OF = '{ unitProgress(unitId: "GOV") { asOf totalTasks } }';
const ASSIGN = 'mutation ($i: AssignTaskInput!) { assignTask(input: $i) { position } }';

/** The government and these provinces under it, registered by an admin on `s`. */
async function registerUnits(s: TestServer, provinces: string[]) {
  const admin = await as('admin', 'GOV');
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ...provinces.map((p) => [p, 'PROVINCE', 'GOV'])]) {
    ok(await s.gql('mutation ($i: RegisterUnitInput!) { registerUnit(input: $i) { position } }', { i: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
}

beforeAll(async () => {
  // A long TTL: an answer served across a write would show, not expire first. No reminders: nothing moves the read model but the test.
  server = await TestServer.start({ TIENDO_QUERY_CACHE_MS: '60000', TIENDO_REMINDERS: '0' });
  await registerUnits(server, ['01', '48']);
  const gov = await as('leader', 'GOV');
  ok(await server.gql(ASSIGN, { i: { id: 'C', title: 'Bảo vệ dữ liệu dân cư mật', source, leadUnitId: '01', deadline: '2030-01-31', confidential: true } }, gov));
  ok(await server.gql(ASSIGN, { i: { id: 'P', title: 'Công khai dịch vụ công', source, leadUnitId: '01', deadline: '2030-01-31' } }, gov));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

const report = async (percent: number) => ok(await server.gql<{ reportProgress: { position: string } }>(
  'mutation ($i: ReportProgressInput!) { reportProgress(input: $i) { position } }', { i: { taskId: 'P', percent, note: 'Cập nhật' } }, await as('focal_point', '01'),
)).reportProgress.position;

describe('the response cache', () => {
  it('sends the same bytes, status and content type again, per negotiated media type', async () => {
    const auth = { authorization: `Bearer ${await as('leader', 'GOV')}` };
    const body = { query: PROGRESS, variables: { id: 'P' } };
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      const before = await counters(server);
      const first = await post(server, body, { ...auth, accept });
      const second = await post(server, body, { ...auth, accept });
      expect(first.status).toBe(200);
      expect(first.type).toBe(`${accept}; charset=utf-8`);
      expect(second).toEqual(first);
      const after = await counters(server);
      expect(after.hits - before.hits).toBe(1);
      expect(after.misses - before.misses).toBe(1);
      expect(after.bytes).toBeGreaterThan(first.text.length); // read at scrape time: the answers it holds and their keys
    }
  });

  it('answers a write with the new value at once on this server, and with X-Tiendo-Min-Position', async () => {
    const leader = await as('leader', 'GOV');
    const read = async (headers: Record<string, string> = {}) =>
      ok(await server.gql<{ task: { progress: number } }>(PROGRESS, { id: 'P' }, leader, headers)).task.progress;
    await read();
    const hits = (await counters(server)).hits;
    expect(await read()).toBe(await read()); // cached now
    expect((await counters(server)).hits).toBeGreaterThan(hits);
    await report(40);
    expect(await read()).toBe(40);
    const position = await report(55);
    expect(await read({ 'x-tiendo-min-position': position })).toBe(55);
    expect(await read()).toBe(55);
  });

  it.each([['the one who sees it first', ['01', '48']], ['the one who does not first', ['48', '01']]] as const)(
    'never gives one actor the answer of another who sees a confidential task differently (%s)', async (_, units) => {
      // A document of its own for each order: the cache starts without it.
      const query = `query Order${units[0]} { task(id: "C") { id title } }`;
      const ask = async (unit: string) => ok(await server.gql<{ task: { id: string } | null }>(query, {}, await as('leader', unit))).task;
      for (let round = 0; round < 2; round++) {
        for (const unit of units) {
          if (unit === '01') expect((await ask(unit))?.id).toBe('C');
          else expect(await ask(unit)).toBeNull();
        }
      }
    });

  it('refuses a request without a valid token with 401 even when its answer is cached', async () => {
    const body = { query: PROGRESS, variables: { id: 'P' } };
    const auth = { authorization: `Bearer ${await as('leader', 'GOV')}` };
    await post(server, body, auth);
    expect((await post(server, body, auth)).status).toBe(200);
    expect((await post(server, body, {})).status).toBe(401);
    expect((await post(server, body, { authorization: 'Bearer not-a-token' })).status).toBe(401);
  });

  it.each([
    ['an execution error', '{ unitProgress(unitId: "NOWHERE") { totalTasks } }', {}, 'NOT_FOUND'],
    // Refused before execution by the cost of its variables (hardening.ts): never stored either.
    ['a refused document', 'query ($n: Int) { tasks(first: $n) { edges { node { id title } } } }', { n: 100_000 }, 'BAD_USER_INPUT'],
  ])('does not keep an answer with errors (%s): the same request is computed again', async (_, query, variables, code) => {
    const leader = await as('leader', 'GOV');
    const before = await counters(server);
    for (let i = 0; i < 3; i++) expect((await server.gql(query, variables, leader)).body.errors?.[0]?.extensions?.code).toBe(code);
    const after = await counters(server);
    expect(after.hits).toBe(before.hits);
    expect(after.misses - before.misses).toBe(3);
  });

  it('computes afresh with Cache-Control: no-cache, and keeps that answer', async () => {
    const leader = await as('leader', 'GOV');
    const asOf = async (headers: Record<string, string> = {}) => ok(await server.gql<{ unitProgress: { asOf: string } }>(AS_OF, {}, leader, headers)).unitProgress.asOf;
    const first = await asOf();
    expect(await asOf()).toBe(first); // a hit: the instant it was computed at
    const fresh = await eventually('an answer computed afresh', () => asOf({ 'cache-control': 'no-cache' }), (x) => x !== first);
    expect(await asOf()).toBe(fresh);
  });
});

describe('the response cache, configured', () => {
  it('sends an answer again for at most TIENDO_QUERY_CACHE_MS', async () => {
    const s = await TestServer.start({ TIENDO_QUERY_CACHE_MS: '2000', TIENDO_REMINDERS: '0' });
    try {
      ok(await s.gql('mutation { registerUnit(input: { id: "GOV", kind: GOVERNMENT, name: "Chính phủ" }) { position } }', {}, await as('admin', 'GOV')));
      const leader = await as('leader', 'GOV');
      const asOf = async () => ok(await s.gql<{ unitProgress: { asOf: string } }>(AS_OF, {}, leader)).unitProgress.asOf;
      const before = await counters(s);
      const first = await asOf();
      const later = await eventually('the cached instant to expire', asOf, (x) => x !== first);
      // Not before the TTL (less the moment between the lookup and the instant the answer took).
      expect(Date.parse(later) - Date.parse(first)).toBeGreaterThanOrEqual(1800);
      expect((await counters(s)).hits).toBeGreaterThan(before.hits);
    } finally {
      await s.dispose();
    }
  });

  it('is off with TIENDO_QUERY_CACHE_MS=0', async () => {
    const s = await TestServer.start({ TIENDO_QUERY_CACHE_MS: '0' });
    try {
      ok(await s.gql('mutation { registerUnit(input: { id: "GOV", kind: GOVERNMENT, name: "Chính phủ" }) { position } }', {}, await as('admin', 'GOV')));
      const leader = await as('leader', 'GOV');
      for (let i = 0; i < 3; i++) ok(await s.gql(AS_OF, {}, leader));
      expect(await counters(s)).toEqual({ hits: 0, misses: 0, bytes: 0 });
    } finally {
      await s.dispose();
    }
  });
});

/**
 * A task's page (answer-scope.ts) is kept across writes that do not touch it: its answer depends on
 * the task, the tasks below it, the units and the date only (task-changes.ts). Momentary answers
 * last 1 ms here, so a hit after a write can only be a lasting one.
 */
describe("the response cache, a task's page", () => {
  let s: TestServer;
  const PAGE = 'query ($id: ID!) { task(id: $id) { id status progress version lead { id name } history(first: 5) { totalCount edges { node { kind actor { id } } } } } }';
  const WIDER = 'query ($id: ID!) { task(id: $id) { id progress parent { id } } }';
  type Page = { task: { progress: number | null; version: number; lead: { name: string }; history: { totalCount: number } } };

  beforeAll(async () => {
    // Refreshes off: each write must show as a miss on the next ask (refreshed pages are the last describe's).
    s = await TestServer.start({ TIENDO_QUERY_CACHE_MS: '1', TIENDO_REMINDERS: '0', TIENDO_QUERY_CACHE_REFRESH: '0' });
    await registerUnits(s, ['01', '02']);
    const gov = await as('leader', 'GOV');
    for (const id of ['A', 'B']) ok(await s.gql(ASSIGN, { i: { id, title: `Nhiệm vụ ${id}`, source, leadUnitId: '01', deadline: '2030-01-31' } }, gov));
    ok(await s.gql('mutation { delegateTask(input: { taskId: "A", to: [{ leadUnitId: "02" }] }) { position } }', {}, gov));
  }, 90_000);

  afterAll(async () => {
    await s?.dispose();
  });

  const leader = () => as('leader', 'GOV');
  const page = async (query = PAGE, id = 'A') => ok(await s.gql<Page>(query, { id }, await leader())).task;
  const progress = async (taskId: string, unit: string, percent: number) => ok(await s.gql(
    'mutation ($i: ReportProgressInput!) { reportProgress(input: $i) { position } }', { i: { taskId, percent, note: 'Cập nhật' } }, await as('focal_point', unit)));
  /** What one more request did to the counters: 'hit' or 'miss'. */
  const asked = async (query = PAGE, id = 'A') => {
    const before = await counters(s);
    const answer = await page(query, id);
    const after = await counters(s);
    expect(after.hits - before.hits + after.misses - before.misses).toBe(1);
    return { answer, was: after.hits > before.hits ? 'hit' : 'miss' };
  };

  it('is sent again after a write to another task, and computed again after a write to it, below it or to a unit', async () => {
    const first = await page();
    expect((await asked()).was).toBe('hit');
    await progress('B', '01', 30); // another task: A's page stands
    expect(await asked()).toEqual({ answer: first, was: 'hit' });

    const child = ok(await s.gql<{ task: { children: { id: string }[] } }>('{ task(id: "A") { children { id } } }', {}, await leader())).task.children[0]!.id;
    await progress(child, '02', 80); // below it: A's progress rolls up
    const afterChild = await asked();
    expect(afterChild.was).toBe('miss');
    expect(afterChild.answer.progress).not.toBe(first.progress);
    expect((await asked()).was).toBe('hit');

    await progress('A', '01', 10); // the task itself
    const afterOwn = await asked();
    expect(afterOwn.was).toBe('miss');
    expect(afterOwn.answer.version).toBeGreaterThan(first.version);
    expect(afterOwn.answer.history.totalCount).toBeGreaterThan(first.history.totalCount);

    ok(await s.gql('mutation { renameUnit(input: { unitId: "01", name: "Tỉnh 01 mới", reason: "Sáp nhập" }) { position } }', {}, await as('admin', 'GOV')));
    const afterUnit = await asked();
    expect(afterUnit.was).toBe('miss');
    expect(afterUnit.answer.lead.name).toBe('Tỉnh 01 mới');
  });

  it('keeps a query reaching beyond the task (its parent) only while nothing at all is written', async () => {
    await asked(WIDER, 'A');
    await progress('B', '01', 40);
    expect((await asked(WIDER, 'A')).was).toBe('miss');
  });
});

describe('the response cache, task pages refreshed once writes pause (TIENDO_QUERY_CACHE_REFRESH=1)', () => {
  let s: TestServer;
  const PAGE = 'query ($id: ID!) { task(id: $id) { id progress version history(first: 3) { totalCount } } }';
  // A reader of its own: its requests alone count against its rate limit of 6 a minute.
  const reader = () => token({ id: 'reader', role: 'leader', unit: 'GOV' });

  beforeAll(async () => {
    s = await TestServer.start({ TIENDO_QUERY_CACHE_MS: '1', TIENDO_REMINDERS: '0', TIENDO_QUERY_CACHE_REFRESH: '1', TIENDO_RATE_LIMIT: '6' });
    await registerUnits(s, ['01']);
    const gov = await as('leader', 'GOV');
    for (const id of ['A', 'B']) ok(await s.gql(ASSIGN, { i: { id, title: `Nhiệm vụ ${id}`, source, leadUnitId: '01', deadline: '2030-01-31' } }, gov));
  }, 90_000);

  afterAll(async () => {
    await s?.dispose();
  });

  const refreshes = async () => {
    const text = (await s.raw('', {}, 'GET', '/metrics')).text;
    return Number(/^tiendo_query_cache_refreshes_total\{outcome="refreshed"\} (\d+)/m.exec(text)?.[1] ?? NaN);
  };
  /** Queries counted as clients' requests. */
  const queries = async () => {
    const text = (await s.raw('', {}, 'GET', '/metrics')).text;
    return Number(/^tiendo_graphql_requests_total\{operation="anonymous",type="query",status="2xx"\} (\d+)/m.exec(text)?.[1] ?? NaN);
  };

  it('asks a page served from the cache again after its task changed (a hit next time), not one never served again, and not on the token\'s rate limit', async () => {
    const ask = async (id: string) => {
      const before = await counters(s);
      const res = await s.gql<{ task: { progress: number | null; version: number } }>(PAGE, { id }, await reader());
      const after = await counters(s);
      return { res, was: after.hits > before.hits ? 'hit' : after.misses > before.misses ? 'miss' : 'neither' };
    };
    expect((await ask('A')).was).toBe('miss');
    expect((await ask('A')).was).toBe('hit'); // A's page has been served from the cache
    expect((await ask('B')).was).toBe('miss'); // B's never has
    const before = await refreshes();
    const queriesBefore = await queries();
    expect(queriesBefore).toBe(3);
    for (const id of ['A', 'B']) {
      ok(await s.gql('mutation ($i: ReportProgressInput!) { reportProgress(input: $i) { position } }', { i: { taskId: id, percent: 70, note: 'Cập nhật' } }, await as('focal_point', '01')));
    }
    await eventually('A\'s page refreshed', refreshes, (n) => n === before + 1);
    expect(await queries()).toBe(queriesBefore); // not a client's request in the request metrics either
    const a = await ask('A');
    expect(a.was).toBe('hit');
    expect(ok(a.res).task).toMatchObject({ progress: 70, version: 1 });
    expect((await ask('B')).was).toBe('miss');
    expect(await refreshes()).toBe(before + 1);
    // Five requests of the reader so far: the sixth is allowed, the seventh is not — the refresh was not one of its.
    expect((await ask('A')).res.status).toBe(200);
    expect((await ask('A')).res.status).toBe(429);
  });
});
