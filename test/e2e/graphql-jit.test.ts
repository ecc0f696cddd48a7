import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, ok, token } from '../support/server.js';

/**
 * TIENDO_GRAPHQL_JIT (issue 14; on by default): with 1, the first two executions of a query run in
 * graphql-js while it is compiled, the next ones compiled by graphql-jit. The queries leaders send
 * most (a task with its history, unitProgress with its lazy lists, the dashboard) answer the same
 * both ways, and the same as a server without it.
 */
let jit: TestServer;
let plain: TestServer;
let leader: string;

const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const QUERIES = [
  ['task with history', `{ task(id: "DVC") { id progress status version history(first: 2) { edges { node { at kind actor { id role unit { id } } changes { field from to } reason } cursor } pageInfo { hasNextPage endCursor } totalCount } } }`],
  ['unitProgress', `{ unitProgress(unitId: "GOV") { totalTasks onTimeRate overdue { id } overdueFindings { id } byStatus { status count } } }`],
  ['programmeDashboard', `{ programmeDashboard { ministries { unit { id name } totalTasks overdue onTimeRate openObstacles } provinces { unit { id name } totalTasks overdue onTimeRate openObstacles } } }`],
] as const;

async function seed(server: TestServer) {
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
    { input: { id: 'DVC', title: 'Dịch vụ công trực tuyến', source, leadUnitId: '01', deadline: '2030-12-31' } }, leader));
  const focal = await token({ id: 'focal-01', role: 'focal_point', unit: '01' });
  for (const percent of [20, 45, 70]) {
    ok(await server.gql(`mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { task { id } } }`,
      { input: { taskId: 'DVC', percent, note: `Đạt ${percent} %` } }, focal));
  }
}

beforeAll(async () => {
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  [jit, plain] = await Promise.all([TestServer.start({ TIENDO_GRAPHQL_JIT: '1' }), TestServer.start({ TIENDO_GRAPHQL_JIT: '0' })]);
  await seed(jit);
  await seed(plain);
}, 90_000);

afterAll(async () => {
  await Promise.all([jit?.dispose(), plain?.dispose()]);
});

/**
 * Error answers, each sent four times: the first runs in graphql-js, the second queues the query
 * for graphql-jit (TIENDO_GRAPHQL_JIT=1), the next ones run compiled. (mercurius' non-adaptive jit
 * let graphql-jit coerce the compiling run's variables itself, with other messages: no longer used.)
 * Status, message, code, path and locations must be those of the server without graphql-jit.
 */
const ERRORS: [string, string, Record<string, unknown> | undefined][] = [
  ['an unknown unit (NOT_FOUND from a resolver)', `query($u: ID!) { unitProgress(unitId: $u) { totalTasks } }`, { u: 'NOPE' }],
  ['an instant that is not one (custom scalar, variable)', `query($at: DateTime) { unitProgress(unitId: "GOV", asOf: $at) { totalTasks } }`, { at: 'hôm qua' }],
  ['an instant that is not one (custom scalar, literal)', `{ unitProgress(unitId: "GOV", asOf: "2026-13-45") { totalTasks } }`, {}],
  ['a variable of the wrong type', `query($n: Int) { task(id: "DVC") { history(first: $n) { totalCount } } }`, { n: 'mười' }],
  ['a page too large (BAD_USER_INPUT from a nested resolver)', `{ task(id: "DVC") { id history(first: 100000) { totalCount } } }`, {}],
  ['a missing required variable', `query($u: ID!) { unitProgress(unitId: $u) { totalTasks } }`, {}],
  ['a required variable in a request without "variables"', `query($u: ID!) { unitProgress(unitId: $u) { totalTasks } }`, undefined],
  ['a command refused (validation in the decider)', `mutation($input: ReportProgressInput!) { reportProgress(input: $input) { task { id } } }`,
    { input: { taskId: 'DVC', percent: 150, note: 'quá 100 %' } }],
];

describe('graphql-jit (TIENDO_GRAPHQL_JIT)', () => {
  it.each(ERRORS)('%s: the same error answer compiled as in graphql-js', async (_, query, variables) => {
    const answer = async (server: TestServer) => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${leader}` }, body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as { errors?: unknown[] } };
    };
    const reference = await answer(plain);
    expect(reference.body.errors?.length).toBeGreaterThan(0);
    for (let run = 1; run <= 4; run++) expect({ run, ...(await answer(jit)) }).toEqual({ run, ...reference });
  });

  it.each(QUERIES)('%s answers the same compiled as in graphql-js', async (_, query) => {
    const first = ok(await jit.gql(query, {}, leader));
    const compiled = [ok(await jit.gql(query, {}, leader)), ok(await jit.gql(query, {}, leader)), ok(await jit.gql(query, {}, leader))];
    const reference = ok(await plain.gql(query, {}, leader));
    expect(compiled).toEqual([first, first, first]);
    // The history's instants differ between the two servers (they recorded at different times): compare the rest.
    const stable = (x: unknown) => JSON.parse(JSON.stringify(x), (k, v) => (k === 'at' ? '…' : v));
    expect(stable(first)).toEqual(stable(reference));
  });
});
