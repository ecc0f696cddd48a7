import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, ok, token } from '../support/server.js';

/**
 * TIENDO_GRAPHQL_JIT=1 (issue 14): the first execution of a query runs in graphql-js, the next ones
 * compiled by graphql-jit. The queries leaders send most (a task with its history, unitProgress with
 * its lazy lists, the dashboard) answer the same both ways, and the same as a server without it.
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
  [jit, plain] = await Promise.all([TestServer.start({ TIENDO_GRAPHQL_JIT: '1' }), TestServer.start()]);
  await seed(jit);
  await seed(plain);
}, 90_000);

afterAll(async () => {
  await Promise.all([jit?.dispose(), plain?.dispose()]);
});

describe('graphql-jit (TIENDO_GRAPHQL_JIT)', () => {
  it.each(QUERIES)('%s answers the same compiled as in graphql-js', async (_, query) => {
    const first = ok(await jit.gql(query, {}, leader));
    const compiled = [ok(await jit.gql(query, {}, leader)), ok(await jit.gql(query, {}, leader))];
    const reference = ok(await plain.gql(query, {}, leader));
    expect(compiled).toEqual([first, first]);
    // The history's instants differ between the two servers (they recorded at different times): compare the rest.
    const stable = (x: unknown) => JSON.parse(JSON.stringify(x), (k, v) => (k === 'at' ? '…' : v));
    expect(stable(first)).toEqual(stable(reference));
  });
});
