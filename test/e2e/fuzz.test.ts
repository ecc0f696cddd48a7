import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/events.js';
import { verifyFile } from '../../src/eventstore/verify.js';
import { readStoredEvents } from '../support/events-db.js';
import { TestServer, ok, token } from '../support/server.js';

/**
 * Fuzzing the real server with fast-check (DESIGN §5: "malformed input of any kind gets a clear
 * error and changes nothing; no request crashes the process"). Command inputs with random values
 * in every field, and raw request bodies of every kind. The server must never answer 5xx and never
 * die; afterwards every event in the SQLite file must pass its zod schema and the hash chain.
 * Sized for CI: FUZZ_RUNS (default 60 per command, 200 raw bodies) raises it.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const params = (numRuns: number) => ({ numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });

let server: TestServer;
let leader: string;
let focal: string;
let tokens: string[];
const statuses = new Map<string, number>();

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_RATE_LIMIT: '1000000' });
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  focal = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  const inspector = await token({ id: 'inspector', role: 'inspector', unit: 'TTCP' });
  tokens = [leader, focal, inspector, 'not-a-jwt', `${leader.slice(0, -3)}abc`];
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['TTCP', 'AGENCY', 'GOV'], ['01', 'PROVINCE', 'GOV']]) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`, {
    input: { id: 'F1', title: 'Nhiệm vụ mẫu', source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng' }, leadUnitId: 'BCA', deadline: '2030-01-01',
      indicators: [{ code: 'VNEID_L2', name: 'Tài khoản', unitOfMeasure: 'tài khoản', target: 100 }] },
  }, leader));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

// ---- values ---------------------------------------------------------------------------------------

const oddStrings = fc.constantFrom(
  '', ' ', '   \t\n', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFFy', '\uDBFF\uDFFF', '\u202Eevil', '\uFEFFbom', 'e\u0301\u0301\u0301',
  'Hà Nội', 'Thành phố Hồ Chí Minh', '𝔸𝔹ℂ', '😀👍🏽', 'null', 'undefined', '[object Object]', '__proto__', 'constructor',
  '1e309', '-0', 'NaN', '2026-02-30', '2026-13-45', '0000-01-01', '9999-12-31', '2025-07-01T00:00:00Z', "'; DROP TABLE events; --",
  '{"$gt":""}', '../../etc/passwd', '<script>alert(1)</script>', 'VNEID_L2', 'BCA', '01', 'F1', 'GOV',
);
const huge = fc.integer({ min: 1_000, max: 400_000 }).map((n) => 'ý'.repeat(n));
const deep = fc.integer({ min: 50, max: 3_000 }).map((n) => {
  let v: unknown = 'đáy';
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
});
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), oddStrings, oddStrings, huge,
  fc.integer(), fc.integer({ min: -2, max: 2 }), fc.double(), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER + 2, 1e300, -1e-300),
  fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }), deep, fc.array(oddStrings, { maxLength: 5 }),
);
const DROP = Symbol('drop');

/**
 * A command input: a plausible one (random texts, dates, numbers, ids), then 0–3 of its fields —
 * nested ones too — replaced by anything at all or dropped. About a quarter are left as they are, so
 * that commands get written and what reaches the store is worth checking.
 */
function input(valid: fc.Arbitrary<Record<string, unknown>>, paths: string[][]): fc.Arbitrary<Record<string, unknown>> {
  const change = fc.tuple(fc.constantFrom(...paths), fc.oneof({ arbitrary: weird, weight: 4 }, { arbitrary: fc.constant(DROP), weight: 1 }));
  return fc.tuple(valid, fc.oneof({ arbitrary: fc.constant([]), weight: 1 }, { arbitrary: fc.array(change, { minLength: 1, maxLength: 3 }), weight: 3 }))
    .map(([base, changes]) => {
      const out = structuredClone(base);
      for (const [path, value] of changes) {
        let at: Record<string, unknown> = out;
        for (const k of path.slice(0, -1)) {
          // Into the object at k (the first element when k holds a list), made one when it is not.
          const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
          const here = at[k];
          if (Array.isArray(here)) {
            if (!isObject(here[0])) here[0] = {};
            at = here[0] as Record<string, unknown>;
          } else {
            if (!isObject(here)) at[k] = {};
            at = at[k] as Record<string, unknown>;
          }
        }
        const last = path[path.length - 1]!;
        if (value === DROP) delete at[last];
        else at[last] = value;
      }
      return out;
    });
}
const paths = (...p: string[]) => p.map((x) => x.split('.'));

const date = fc.date({ min: new Date('2000-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 60 }).filter((t) => t.trim().length > 0 && !t.includes('\u0000')), fc.constantFrom('Báo cáo tiến độ', 'Cần gia hạn', 'Vướng mắc hạ tầng'));
const basis = fc.array(fc.record({ kind: fc.constant('DOCUMENT'), ref: text }), { maxLength: 2 });
const indicatorValues = fc.array(fc.record({ code: fc.constant('VNEID_L2'), value: fc.double({ min: 0, max: 1e7, noNaN: true }) }), { maxLength: 2 });
const cmid = fc.option(fc.uuid(), { nil: undefined });

const commands: Record<string, { query: string; token: () => string; input: fc.Arbitrary<Record<string, unknown>> }> = {
  assignTask: {
    query: `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { position task { id version status } } }`,
    token: () => leader,
    input: input(fc.record({
      clientMutationId: cmid, id: fc.option(fc.stringMatching(/^[A-Z][A-Z0-9_.-]{0,12}$/), { nil: undefined }),
      title: text, description: fc.option(text), output: fc.option(text),
      source: fc.record({ number: text, date, issuer: text }),
      leadUnitId: fc.constantFrom('BCA', '01'), coordinatorIds: fc.constantFrom([], ['01'], ['TTCP']), deadline: fc.option(date),
      indicators: fc.array(fc.record({ code: fc.constantFrom('VNEID_L2', 'POP_DATA_CLEANED'), name: text, unitOfMeasure: text, target: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true })) }), { maxLength: 2 })
        .map((xs) => xs.filter((x, i) => xs.findIndex((y) => y.code === x.code) === i)),
      confidential: fc.boolean(), reason: text, basis,
    }), paths('clientMutationId', 'id', 'title', 'description', 'output', 'source', 'source.number', 'source.date', 'source.issuer', 'leadUnitId',
      'coordinatorIds', 'deadline', 'indicators', 'indicators.code', 'indicators.name', 'indicators.unitOfMeasure', 'indicators.target', 'confidential', 'reason', 'basis', 'basis.kind', 'basis.ref')),
  },
  reportProgress: {
    query: `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position task { id version progress } } }`,
    token: () => focal,
    input: input(fc.record({
      clientMutationId: cmid, taskId: fc.constant('F1'), expectedVersion: fc.constant(undefined),
      percent: fc.option(fc.double({ min: 0, max: 100, noNaN: true })), indicators: indicatorValues, note: text,
    }), paths('clientMutationId', 'taskId', 'expectedVersion', 'percent', 'indicators', 'indicators.code', 'indicators.value', 'note')),
  },
  requestDeadlineExtension: {
    query: `mutation ($input: RequestDeadlineExtensionInput!) { requestDeadlineExtension(input: $input) { position task { id version } } }`,
    token: () => focal,
    input: input(fc.record({
      clientMutationId: cmid, taskId: fc.constant('F1'), proposedDeadline: date.map((d) => `20${String(Number(d.slice(2, 4)) % 10 + 31)}${d.slice(4)}`).filter((d) => !d.endsWith('02-29')),
      reason: text, basis,
    }), paths('clientMutationId', 'taskId', 'expectedVersion', 'proposedDeadline', 'reason', 'basis', 'basis.kind', 'basis.ref')),
  },
  raiseObstacle: {
    query: `mutation ($input: RaiseObstacleInput!) { raiseObstacle(input: $input) { position obstacle { id version } } }`,
    token: () => focal,
    input: input(fc.record({
      clientMutationId: cmid, id: fc.option(fc.stringMatching(/^O[0-9A-Z]{1,10}$/), { nil: undefined }), taskId: fc.constant('F1'),
      category: fc.constantFrom('LEGAL', 'FUNDING', 'INFRASTRUCTURE', 'DATA', 'HUMAN_RESOURCES', 'COORDINATION', 'OTHER'),
      description: text, proposedSolution: fc.option(text), decisionUnitId: fc.option(fc.constantFrom('GOV', 'BCA')),
    }), paths('clientMutationId', 'id', 'taskId', 'category', 'description', 'proposedSolution', 'decisionUnitId')),
  },
  submitPeriodicReport: {
    query: `mutation ($input: SubmitPeriodicReportInput!) { submitPeriodicReport(input: $input) { position } }`,
    token: () => focal,
    input: input(fc.record({
      clientMutationId: cmid, unitId: fc.constant('BCA'),
      period: fc.constantFrom(['DAILY', '2025-07-01'], ['WEEKLY', '2025-W27'], ['MONTHLY', '2025-06'], ['QUARTERLY', '2025-Q2'], ['HALF_YEARLY', '2025-H1'], ['ANNUAL', '2024'])
        .map(([kind, key]) => ({ kind, key })),
      indicators: indicatorValues, narrative: text,
    }), paths('clientMutationId', 'unitId', 'period', 'period.kind', 'period.key', 'indicators', 'indicators.code', 'indicators.value', 'narrative')),
  },
};

// ---- checks ---------------------------------------------------------------------------------------

function tally(status: number) {
  const key = String(status);
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
}

/** The answer is not 5xx, the process is alive; returns whether the mutation succeeded. */
async function send(body: string | Uint8Array, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/graphql${method === 'GET' && typeof body === 'string' ? `?${body}` : ''}`, {
    method, headers, ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : Uint8Array.from(body) }),
  });
  const text = await res.text();
  tally(res.status);
  if (res.status >= 500) throw new Error(`HTTP ${res.status} for ${String(body).slice(0, 300)}: ${text.slice(0, 500)}`);
  if (!server.alive) throw new Error(`the server died on ${String(body).slice(0, 300)}:\n${server.output.slice(-2000)}`);
  return { status: res.status, text };
}

const written: Record<string, number> = {};

describe('fuzzing command inputs', () => {
  for (const [name, { query, input, token }] of Object.entries(commands)) {
    it(`${name}: random values in every field never get a 5xx nor kill the server`, async () => {
      written[name] = 0;
      await fc.assert(fc.asyncProperty(input, fc.nat(9), async (values, t) => {
        // Mostly the token that may send the command; sometimes another role, or a bad token.
        const tok = t < 7 ? token() : tokens[t - 5]!;
        const { status, text } = await send(JSON.stringify({ query, variables: { input: values } }), { 'content-type': 'application/json', authorization: `Bearer ${tok}` });
        const body = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
        if (body.data?.[name]) written[name]!++;
        // Every refusal says which catalogue code it is.
        for (const e of body.errors ?? []) expect(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']).toContain(e.extensions?.code);
        expect(status).toBeLessThan(500);
      }), params(name === 'assignTask' || name === 'reportProgress' ? RUNS : Math.ceil(RUNS * 0.7)));
      // The fuzz reached the store, or the check on what it wrote would prove nothing.
      expect(written[name]).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe('fuzzing raw request bodies', () => {
  const json = { 'content-type': 'application/json' };
  const bodies: fc.Arbitrary<{ body: string | Uint8Array; headers: Record<string, string>; method?: string }> = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }).map((b) => ({ body: b, headers: json })),
    fc.string({ unit: 'binary', maxLength: 500 }).map((s) => ({ body: s, headers: json })),
    fc.jsonValue().map((v) => ({ body: JSON.stringify(v), headers: json })),
    fc.record({ query: weird, variables: weird, operationName: weird, extensions: weird }, { requiredKeys: [] }).map((v) => ({ body: JSON.stringify(v), headers: json })),
    fc.record({ query: fc.string({ maxLength: 300 }), variables: fc.option(fc.dictionary(fc.string(), weird)) }).map((v) => ({ body: JSON.stringify(v), headers: json })),
    fc.integer({ min: 100, max: 200_000 }).map((n) => ({ body: JSON.stringify({ query: `{ ${'tasks { edges { node { '.repeat(n / 20)} id ${'} } }'.repeat(n / 20)} }` }), headers: json })),
    fc.integer({ min: 100, max: 100_000 }).map((n) => ({ body: `{"query":"{ me { id } }","variables":${'['.repeat(n)}${']'.repeat(n)}}`, headers: json })),
    fc.integer({ min: 100, max: 400_000 }).map((n) => ({ body: `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, headers: json })),
    fc.integer({ min: 1, max: 3 }).map((k) => ({ body: JSON.stringify({ query: `{ me { id } }`, pad: 'x'.repeat(k * 700_000) }), headers: json })),
    fc.constantFrom('{"query":"{ me { id } }"', '{"query":"\\ud800"}', '{"query":"{ me { id } }","variables":"{}"}', '[{"query":"{ me { id } }"}]', 'null', '"x"', '1e999', '{"query":null}', '{"__proto__":{"polluted":1},"query":"{ me { id } }"}',
      // A query that is JSON, which mercurius would take for a ready-made AST (found by this test: HTTP 500).
      '{"query":"0"}', '{"query":"{}"}', '{"query":"[1]"}', '{"query":"null"}', JSON.stringify({ query: JSON.stringify({ kind: 'Document', definitions: [{ kind: 'Bogus' }] }) }))
      .map((b) => ({ body: b, headers: json })),
    fc.tuple(fc.constantFrom('text/plain', 'application/graphql', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''), fc.string({ maxLength: 200 }))
      .map(([ct, b]) => ({ body: b, headers: (ct ? { 'content-type': ct } : {}) as Record<string, string> })),
    fc.string({ maxLength: 400 }).map((q) => ({ body: `query=${encodeURIComponent(q)}`, headers: {}, method: 'GET' })),
    fc.constantFrom('query=mutation%20%7B%20pauseTask(input%3A%7BtaskId%3A%22F1%22%2Creason%3A%22x%22%7D)%20%7B%20task%20%7B%20id%20%7D%20%7D%20%7D', 'query=%7B', 'variables=%7B', '')
      .map((q) => ({ body: q, headers: {}, method: 'GET' })),
  );
  it('random bytes, random JSON, wrong types, huge strings, odd Unicode, NUL bytes, deep nesting: never a 5xx, never a crash', async () => {
    await fc.assert(fc.asyncProperty(bodies, fc.constantFrom(0, 0, 1, 3), fc.boolean(), async ({ body, headers, method }, t, withAccept) => {
      const h = { ...headers, authorization: `Bearer ${tokens[t]!}`, ...(withAccept ? { accept: 'application/graphql-response+json' } : {}) };
      const { status } = await send(body, h, method);
      expect(status).toBeLessThan(500);
    }), params(Math.round(RUNS * 3.4)));
  }, 120_000);
});

describe('after the fuzzing', () => {
  it('the server is alive and every stored event passes its zod schema and the hash chain', async () => {
    expect(server.alive).toBe(true);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const events = readStoredEvents(server.dataDir);
    const unreadable = events.flatMap((e) => {
      try {
        decode(e);
        return [];
      } catch (error) {
        return [(error as Error).message];
      }
    });
    expect(unreadable).toEqual([]);
    expect(verifyFile(join(server.dataDir, 'events.db'), decode)).toMatchObject({ bad: null, unreadable: null });
    expect(server.output).not.toMatch(/"level":50/); // nothing the server logged as an error
    process.stdout.write(`fuzz: ${events.length} events stored and read back; commands written ${JSON.stringify(written)}; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  });
});
