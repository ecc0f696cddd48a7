import fc from 'fast-check';
import { SignJWT, decodeJwt } from 'jose';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { Collector, errorInfo, metricValue, untilMetrics, untilSubscribed, wsClient } from '../support/live.js';
import { SECRET, TestServer, ok, token } from '../support/server.js';

/**
 * Sessions over the GraphQL WebSocket (issue 16), against the real server: a socket lasts as
 * long as its token (closed with 4403 at exp); a refused token on connection_init is closed with
 * 4401; messages out of order, malformed or too large close the socket with graphql-ws' codes;
 * and a fast-check fuzz of the protocol leaves the server alive, serving, with nothing leaked.
 * FUZZ_RUNS (default 60 here) sizes the fuzz.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const secret = new TextEncoder().encode(SECRET);
const leaderActor = { id: 'leader-gov', role: 'leader', unit: 'GOV' } as const;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`;
const PROGRESS = `subscription { unitProgressChanged(unitId: "GOV") { totalTasks } }`;

let server: TestServer;
let leader: string;
const clients: Client[] = [];
const collectors: Collector[] = [];

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_REMINDERS: '0', TIENDO_RATE_LIMIT: '1000000' });
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token(leaderActor);
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  ok(await server.gql(ASSIGN, { input: { id: 'S1', title: 'Nhiệm vụ phiên', source, leadUnitId: 'BCA', deadline: '2030-01-01' } }, leader));
}, 90_000);

afterAll(async () => {
  for (const c of collectors) c.dispose();
  await Promise.all(clients.map((c) => c.dispose()));
  await server?.dispose();
});

const client = (params: Record<string, unknown>) => {
  const c = wsClient(server, params);
  clients.push(c);
  return c;
};
const watch = <T = Record<string, unknown>>(c: Client, query: string, variables: Record<string, unknown> = {}) => {
  const col = new Collector<T>(c, query, variables);
  collectors.push(col as Collector);
  return col;
};

/** Ends every client and subscription the tests opened, and waits until the server has too. */
async function closeClients(): Promise<void> {
  for (const c of collectors.splice(0)) c.dispose();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await untilNothingOpen();
}

interface Closed { code: number; reason: string; at: number }

/** A raw socket to /graphql on `protocol`, open; `closed` settles with the close frame the client got. */
async function rawSocket(protocol = 'graphql-transport-ws'): Promise<{ ws: WebSocket; closed: Promise<Closed> }> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, protocol);
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
  ws.on('error', () => {}); // a refused or reset socket: its close event says how it ended
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before it opened')));
  });
  return { ws, closed };
}

/** The close, or a failure after `ms` (never a fixed sleep: it resolves as soon as the socket closes). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))),
  ]);
}

const send = (ws: WebSocket, message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message));
const init = (tok: string) => ({ type: 'connection_init', payload: { authorization: `Bearer ${tok}` } });
const subscribe = (id: string, query = PROGRESS) => ({ type: 'subscribe', id, payload: { query } });

/** Waits until no socket and no subscription is left open on the server. */
async function untilNothingOpen(timeoutMs = 10_000): Promise<string> {
  const fields = ['taskChanged', 'unitProgressChanged', 'commitmentChanged'];
  const none = (t: string) => metricValue(t, 'tiendo_websocket_connections') === 0
    && fields.every((field) => metricValue(t, 'tiendo_subscriptions_active', { field }) === 0);
  return untilMetrics(server, none, timeoutMs);
}

/** mercurius logs (at error) the errors of a subscription whose resolver refused it: `{"0": {message, extensions: {code}}}`. */
function refusedSubscription(line: string): boolean {
  try {
    const l = JSON.parse(line) as { level: number; 0?: { extensions?: { code?: string } } };
    return l.level === 50 && ['BAD_USER_INPUT', 'NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'CONFLICT'].includes(l[0]?.extensions?.code ?? '');
  } catch {
    return false;
  }
}

describe('a session lasts as long as its token', () => {
  it('closes an open subscription with 4403 when its 2-second token expires; a longer token keeps its socket', async () => {
    const short = await mintToken(secret, leaderActor, '2s');
    const expiresAt = decodeJwt(short).exp! * 1000;
    const brief = client({ token: short });
    let closedAt = 0;
    brief.on('closed', () => (closedAt = Date.now()));
    const expiring = watch(brief, PROGRESS);
    const lasting = watch<{ unitProgressChanged: { totalTasks: number } }>(client({ token: leader }), PROGRESS);
    await untilSubscribed(server, 'unitProgressChanged', 2);

    const error = errorInfo(await expiring.failure(10_000)) as { code?: number; reason?: string };
    expect(error).toEqual({ code: 4403, reason: 'Forbidden: the token has expired' });
    // Closed at the token's exp, not before (exp has a resolution of a second; timers may run a little early).
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt - 50);

    // The server ended its subscription and counts one socket: the other one's.
    const after = await untilMetrics(server, (t) => metricValue(t, 'tiendo_subscriptions_active', { field: 'unitProgressChanged' }) === 1
      && metricValue(t, 'tiendo_websocket_connections') === 1);
    expect(metricValue(after, 'tiendo_subscriptions_active', { field: 'unitProgressChanged' })).toBe(1);
    expect(metricValue(after, 'tiendo_websocket_connections')).toBe(1);
    ok(await server.gql(ASSIGN, { input: { id: 'S2', title: 'Sau khi hết hạn', source, leadUnitId: 'BCA', deadline: '2030-01-01' } }, leader));
    expect((await lasting.next((d) => d.unitProgressChanged.totalTasks === 2)).data).toEqual({ unitProgressChanged: { totalTasks: 2 } });
    expect(expiring.items).toEqual([]);
    await closeClients();
  });

  it('closes connection_init with 4401 for a forged, an expired or no token, saying why', async () => {
    const expired = await new SignJWT({ role: 'leader', unit: 'GOV' }).setProtectedHeader({ alg: 'HS256' }).setSubject('leader-gov')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(secret);
    for (const [payload, reason] of [
      [{ authorization: `Bearer ${leader.slice(0, -2)}xx` }, 'Unauthorized: the token signature does not verify'],
      [{ authorization: `Bearer ${expired}` }, 'Unauthorized: the token has expired'],
      [{}, 'Unauthorized: a valid Bearer token is required'],
    ] as const) {
      const { ws, closed } = await rawSocket();
      send(ws, { type: 'connection_init', payload });
      expect(await within(closed, 5000, 'close')).toMatchObject({ code: 4401, reason });
    }
    expect(server.alive).toBe(true);
  });
});

describe('messages out of order, malformed or too large close the socket', () => {
  it.each([
    ['a subscribe before connection_init', () => [subscribe('1')], 4401, /^Unauthorized: connection_init first/],
    ['a second connection_init', () => [init(leader), init(leader)], 4429, /^Too many initialisation requests/],
    ['a frame that is not JSON', () => [init(leader), '{"type":"subscribe",'], 4400, /^Bad request: a message must be JSON/],
    ['a message of an unknown type', () => [{ type: 'next', id: '1', payload: {} }], 4400, /^Bad request: type/],
    ['a subscribe without a query', () => [init(leader), { type: 'subscribe', id: '1', payload: { variables: {} } }], 4400, /^Bad request: payload.query/],
    ['a frame over 64 KiB', () => [init(leader), subscribe('1', `subscription { unitProgressChanged(unitId: "${'G'.repeat(70_000)}") { totalTasks } }`)], 1009, /^$/],
    ['the id of a running subscription again', () => [init(leader), subscribe('same'), subscribe('same')], 4409, /^Subscriber for same already exists/],
  ] as const)('%s', async (_what, messages, code, reason) => {
    const { ws, closed } = await rawSocket();
    for (const m of messages()) send(ws, m);
    const c = await within(closed, 5000, 'close');
    expect(c.code).toBe(code);
    expect(c.reason).toMatch(reason);
    // Whatever it had started ends with it.
    const t = await untilNothingOpen();
    expect(metricValue(t, 'tiendo_subscriptions_active', { field: 'unitProgressChanged' })).toBe(0);
    expect(metricValue(t, 'tiendo_websocket_connections')).toBe(0);
  });

  it('costs a subscription with its variables: `first: $n` with n = 10,000 is refused as too costly', async () => {
    const c = client({ token: leader });
    const query = `subscription ($n: Int) { taskChanged(id: "S1") { id history(first: $n) { edges { node { kind } } } } }`;
    const costly = watch(c, query, { n: 10_000 });
    expect(errorInfo(await costly.failure())).toEqual([{ message: expect.stringMatching(/cost/i), extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' } }]);
    const small = watch(c, query, { n: 5 });
    await untilSubscribed(server, 'taskChanged', 1);
    expect(small.error).toBeUndefined();
    await closeClients();
  });
});

describe('fuzzing the WebSocket protocol', () => {
  const types = ['connection_init', 'subscribe', 'complete', 'ping', 'pong', 'next', 'error', 'connection_ack', 'start', 'stop', 'connection_terminate', 'ka', ''];
  const queries = fc.constantFrom(PROGRESS, `subscription { taskChanged(id: "S1") { id title } }`, `subscription { commitmentChanged(unitId: "GOV") { kind } }`,
    `subscription { taskChanged(id: "NONE") { id } }`, `{ me { id } }`, `mutation { x }`, 'subscription {', '', `subscription ($n: Int) { taskChanged(id: "S1") { history(first: $n) { totalCount } } }`);
  const ids = fc.oneof(fc.constantFrom('1', '2', 'a'), fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null));
  const payloads = fc.oneof(
    fc.record({ authorization: fc.constantFrom(() => `Bearer ${leader}`, () => 'Bearer x', () => '').map((f) => f()) }),
    fc.record({ query: queries, variables: fc.option(fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }) }, { requiredKeys: [] }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const message = fc.record({ type: fc.oneof(fc.constantFrom(...types), fc.string({ maxLength: 12 })), id: ids, payload: payloads }, { requiredKeys: ['type'] });
  const MiB = 1 << 20;
  const frame: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
    { weight: 3, arbitrary: fc.constantFrom(() => JSON.stringify(init(leader)), () => JSON.stringify(subscribe('1')), () => JSON.stringify(subscribe('1')), () => JSON.stringify({ type: 'complete', id: '1' })).map((f) => f()) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constantFrom(`{"type":"subscribe","id":"big","payload":{"query":"${'x'.repeat(MiB - 60)}"}}`, 'x'.repeat(MiB), `[${'['.repeat(MiB / 2 - 2)}`) },
  );
  const codes = new Map<number, number>();

  it('0 crashes: random frames, out-of-order messages and 1 MiB frames on both subprotocols', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('graphql-transport-ws', 'graphql-ws'), fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 8 }), fc.boolean(),
      async (protocol, initFirst, frames, clean) => {
        const { ws, closed } = await rawSocket(protocol);
        for (const f of initFirst ? [JSON.stringify(init(leader)), ...frames] : frames) ws.send(f);
        // A WebSocket ping after the frames: its pong (or the close) says the server has read every one of them.
        const pong = new Promise<void>((resolve) => ws.once('pong', () => resolve()));
        ws.ping();
        await within(Promise.race([pong, closed]), 10_000, 'pong or close');
        // If the server has not closed it, the client does: cleanly, or by dropping the connection.
        if (clean) ws.close(1000);
        else ws.terminate();
        const c = await within(closed, 10_000, 'close');
        codes.set(c.code, (codes.get(c.code) ?? 0) + 1);
      }), { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });

    expect(server.alive).toBe(true);
    // Nothing left behind: every socket and subscription the fuzz opened was closed on the server too.
    const t = await untilNothingOpen();
    expect(metricValue(t, 'tiendo_websocket_connections')).toBe(0);
    expect(metricValue(t, 'tiendo_subscriptions_active', { field: 'unitProgressChanged' })).toBe(0);
    expect(metricValue(t, 'tiendo_subscriptions_active', { field: 'taskChanged' })).toBe(0);
    expect(metricValue(t, 'tiendo_subscriptions_active', { field: 'commitmentChanged' })).toBe(0);
    // Still serving: health, a query, and a subscription that gets its update.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(ok(await server.gql<{ task: { id: string } }>(`{ task(id: "S1") { id } }`, {}, leader)).task.id).toBe('S1');
    const progress = watch<{ unitProgressChanged: { totalTasks: number } }>(client({ token: leader }), PROGRESS);
    await untilSubscribed(server, 'unitProgressChanged', 1);
    const { totalTasks } = ok(await server.gql<{ unitProgress: { totalTasks: number } }>(`{ unitProgress(unitId: "GOV") { totalTasks } }`, {}, leader)).unitProgress;
    ok(await server.gql(ASSIGN, { input: { id: 'S3', title: 'Sau khi thử ngẫu nhiên', source, leadUnitId: 'BCA', deadline: '2030-01-01' } }, leader));
    await progress.next((d) => d.unitProgressChanged.totalTasks === totalTasks + 1);
    // Nothing fatal, nothing logged as an error but mercurius' own log of a subscription it refused with the catalogue's code.
    expect(server.output.split('\n').filter((line) => /"level":(50|60)/.test(line) && !refusedSubscription(line))).toEqual([]);
    process.stdout.write(`ws fuzz: ${RUNS} sockets; close codes ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])))}\n`);
  }, 120_000);
});
