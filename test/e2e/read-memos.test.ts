import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, ok, token } from '../support/server.js';

/**
 * What the read side memoises between requests (issue 14: the task history per task, the roll-up
 * per read-model position, the dashboard's rows as nodes) is renewed by the next event, over HTTP
 * against the real server, and an asOf read still answers for its instant.
 */
let server: TestServer;
let leader: string;
let focal: string;

const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const TASK = `query ($id: ID!, $asOf: DateTime) { task(id: $id, asOf: $asOf) { progress history(first: 10) { edges { node { kind changes { field from to } } } totalCount } } }`;
const DASHBOARD = `{ programmeDashboard { provinces { unit { id name } totalTasks } } }`;

interface TaskAnswer { task: { progress: number | null; history: { edges: { node: { kind: string; changes: { field: string; from: string | null; to: string | null }[] } }[]; totalCount: number } } }
const task = async (id: string, asOf?: string) => ok(await server.gql<TaskAnswer>(TASK, { id, ...(asOf ? { asOf } : {}) }, leader)).task;
const report = async (percent: number) =>
  ok(await server.gql(`mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { task { id } } }`, { input: { taskId: 'DVC/01', percent, note: `Đạt ${percent} %` } }, focal));

beforeAll(async () => {
  server = await TestServer.start();
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  focal = await token({ id: 'focal-01', role: 'focal_point', unit: '01' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
    { input: { id: 'DVC', title: 'Dịch vụ công trực tuyến', source, leadUnitId: 'BCA', deadline: '2030-12-31' } }, leader));
  ok(await server.gql(`mutation ($input: DelegateTaskInput!) { delegateTask(input: $input) { children { id } } }`,
    { input: { taskId: 'DVC', expectedVersion: 0, to: [{ leadUnitId: '01' }] } }, leader));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('read-side memos', () => {
  it('a new event shows at once in the history and the roll-up asked before it; asOf keeps its instant', async () => {
    await report(30);
    const before = await task('DVC/01');
    expect(before.history.totalCount).toBe(2);
    expect((await task('DVC')).progress).toBe(30);
    const between = new Date().toISOString();
    // The next report must occur after that instant: wait for the clock to pass it (milliseconds).
    for (const deadline = Date.now() + 1000; new Date().toISOString() <= between && Date.now() < deadline;) await new Promise((r) => setImmediate(r));
    await report(60);
    const after = await task('DVC/01');
    expect(after.history.totalCount).toBe(3);
    expect(after.history.edges.at(-1)!.node.changes).toContainEqual({ field: 'progress', from: '30', to: '60' });
    expect((await task('DVC')).progress).toBe(60);
    // As of an instant between the two reports: the memo holds the newer one, the answer does not.
    const then = await task('DVC/01', between);
    expect(then.progress).toBe(30);
    expect(then.history).toEqual(before.history);
  });

  it('the dashboard counts a task assigned after it was asked', async () => {
    const count = async () => ok(await server.gql<{ programmeDashboard: { provinces: { unit: { id: string }; totalTasks: number }[] } }>(DASHBOARD, {}, leader))
      .programmeDashboard.provinces.find((r) => r.unit.id === '01')!.totalTasks;
    const before = await count();
    ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
      { input: { id: 'HN', title: 'Số hóa hồ sơ', source, leadUnitId: '01', deadline: '2030-12-31' } }, leader));
    expect(await count()).toBe(before + 1);
  });
});
