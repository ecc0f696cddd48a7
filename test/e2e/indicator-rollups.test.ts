import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * An indicator that averages (issue 17 point 4), over HTTP against the real server: a rate's
 * figures from two provinces roll up as their mean, in the task and in unitProgress, beside a
 * count that still sums; the parent, without targets of its own, shows its children's.
 */
let server: TestServer;
let leader: string;

const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const FIGURE = 'code rollup target actual';
const RATE = { code: 'ONLINE_RATE', name: 'Tỷ lệ hồ sơ trực tuyến toàn trình', unitOfMeasure: '%', target: null };
const RECORDS = { code: 'RECORDS_DIGITISED', name: 'Hồ sơ được số hóa', unitOfMeasure: 'hồ sơ', target: null };

beforeAll(async () => {
  server = await TestServer.start();
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  const units: [string, string, string | null][] = [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV'], ['48', 'PROVINCE', 'GOV']];
  for (const [id, kind, parentId] of units) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('an AVERAGE indicator over HTTP', () => {
  it('is declared at assignment and inherited by the delegated tasks; the count beside it defaults to SUM', async () => {
    const assigned = ok(await server.gql<{ assignTask: { task: { indicators: unknown[] } } }>(
      `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { indicators { ${FIGURE} } } } }`,
      { input: { id: 'DVC', title: 'Cung cấp dịch vụ công trực tuyến toàn trình', source, leadUnitId: 'BCA', deadline: '2030-12-31',
        indicators: [{ ...RATE, rollup: 'AVERAGE' }, RECORDS] } }, leader));
    expect(assigned.assignTask.task.indicators).toEqual([
      { code: 'ONLINE_RATE', rollup: 'AVERAGE', target: null, actual: null },
      { code: 'RECORDS_DIGITISED', rollup: 'SUM', target: null, actual: null },
    ]);
    const delegated = ok(await server.gql<{ delegateTask: { children: { indicators: unknown[] }[] } }>(
      `mutation ($input: DelegateTaskInput!) { delegateTask(input: $input) { children { indicators { ${FIGURE} } } } }`,
      { input: { taskId: 'DVC', expectedVersion: 0, to: [
        { leadUnitId: '01', targets: [{ code: 'ONLINE_RATE', value: 80 }, { code: 'RECORDS_DIGITISED', value: 1000 }] },
        { leadUnitId: '79', targets: [{ code: 'ONLINE_RATE', value: 60 }, { code: 'RECORDS_DIGITISED', value: 3000 }] },
        { leadUnitId: '48' },
      ] } }, leader));
    expect(delegated.delegateTask.children.map((c) => c.indicators[0])).toEqual([
      { code: 'ONLINE_RATE', rollup: 'AVERAGE', target: 80, actual: null },
      { code: 'ONLINE_RATE', rollup: 'AVERAGE', target: 60, actual: null },
      { code: 'ONLINE_RATE', rollup: 'AVERAGE', target: null, actual: null },
    ]);
  });

  it('rolls up as the mean of the provinces that reported, in the task and in unitProgress; the count sums', async () => {
    for (const [unit, rate, records] of [['01', 90, 700], ['79', 50, 1500]] as const) {
      const focal = await token({ id: `focal-${unit}`, role: 'focal_point', unit });
      ok(await server.gql(`mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { task { id } } }`, {
        input: { taskId: `DVC/${unit}`, indicators: [{ code: 'ONLINE_RATE', value: rate }, { code: 'RECORDS_DIGITISED', value: records }], note: 'Số liệu tháng' },
      }, focal));
    }
    // Đà Nẵng (48) has not reported: left out of the mean, not counted as 0. Targets: the children's (DVC has none), combined the same way.
    const expected = [
      { code: 'ONLINE_RATE', rollup: 'AVERAGE', target: 70, actual: 70 },
      { code: 'RECORDS_DIGITISED', rollup: 'SUM', target: 4000, actual: 2200 },
    ];
    const r = ok(await server.gql<{ task: { indicators: unknown[] }; unitProgress: { indicators: unknown[] } }>(
      `{ task(id: "DVC") { indicators { ${FIGURE} } } unitProgress(unitId: "GOV") { indicators { ${FIGURE} } } }`, {}, leader));
    expect(r.task.indicators).toEqual(expected);
    expect(r.unitProgress.indicators).toEqual(expected);
    const hcm = ok(await server.gql<{ unitProgress: { indicators: unknown[] } }>(`{ unitProgress(unitId: "79") { indicators { ${FIGURE} } } }`, {}, leader));
    expect(hcm.unitProgress.indicators).toEqual([
      { code: 'ONLINE_RATE', rollup: 'AVERAGE', target: 60, actual: 50 },
      { code: 'RECORDS_DIGITISED', rollup: 'SUM', target: 3000, actual: 1500 },
    ]);
  });

  it('refuses an unknown roll-up with BAD_USER_INPUT, and writes nothing', async () => {
    const count = async () => ok(await server.gql<{ tasks: { totalCount: number } }>(`{ tasks { totalCount } }`, {}, leader)).tasks.totalCount;
    const before = await count();
    const r = await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
      { input: { id: 'BAD', title: 'x', source, leadUnitId: 'BCA', indicators: [{ ...RATE, rollup: 'MEDIAN' }] } }, leader);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.status).toBeLessThan(500);
    expect(await count()).toBe(before);
  });
});
