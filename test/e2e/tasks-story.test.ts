import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * The whole story of a task over HTTP against the real server (DESIGN §2, issue "Tasks end to
 * end"). Steps run in order and share the server; each asserts what a user would check.
 */
const today = DateTime.now().setZone('Asia/Ho_Chi_Minh');
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;

const TASK = `id title status deadline version progress confidential
  lead { id } coordinators { id }
  indicators { code target actual }
  children { id lead { id } deadline indicators { code target actual } }`;

let server: TestServer;
let admin: string;
let leader: string;
let focalBCA: string;
let focal01: string;
let focal79: string;
let beforeApproval: string;
let afterApproval: string;

beforeAll(async () => {
  server = await TestServer.start();
  admin = await token({ id: 'admin-1', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader-gov', role: 'leader', unit: 'GOV' });
  focalBCA = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  focal01 = await token({ id: 'focal-01', role: 'focal_point', unit: '01' });
  focal79 = await token({ id: 'focal-79', role: 'focal_point', unit: '79' });
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

const REGISTER = `mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id name kind parent { id } } position } }`;
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { clientMutationId position task { ${TASK} } } }`;
const PROGRESS = `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { clientMutationId position task { id version progress indicators { code actual } } } }`;
const GET = `query ($id: ID!, $asOf: DateTime) { task(id: $id, asOf: $asOf) { ${TASK} } }`;

describe('a task from assignment to confirmation, over HTTP', () => {
  it('registers the units', async () => {
    const units: [string, string, string, string | null][] = [
      ['GOV', 'GOVERNMENT', 'Chính phủ', null], ['BCA', 'MINISTRY', 'Bộ Công an', 'GOV'],
      ['01', 'PROVINCE', 'Thành phố Hà Nội', 'GOV'], ['79', 'PROVINCE', 'Thành phố Hồ Chí Minh', 'GOV'],
      ['00004', 'COMMUNE', 'Phường Ba Đình', '01'],
    ];
    for (const [id, kind, name, parentId] of units) {
      const r = ok(await server.gql<{ registerUnit: { unit: { id: string; parent: { id: string } | null } } }>(REGISTER, { input: { id, kind, name, parentId } }, admin));
      expect(r.registerUnit.unit.id).toBe(id);
      expect(r.registerUnit.unit.parent?.id ?? null).toBe(parentId);
    }
    const tree = ok(await server.gql<{ unit: { children: { id: string }[] } }>(`{ unit(id: "GOV") { children { id } } }`, {}, leader));
    expect(tree.unit.children.map((c) => c.id).sort()).toEqual(['01', '79', 'BCA']);
  });

  it('assigns a task with an indicator target and delegates it to two provinces with targets', async () => {
    const assigned = ok(await server.gql<{ assignTask: { task: { id: string; version: number; status: string; lead: { id: string }; indicators: unknown[] } } }>(ASSIGN, {
      input: {
        clientMutationId: 'assign-1', id: 'T1', title: 'Cấp tài khoản định danh điện tử mức độ 2',
        source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
        leadUnitId: 'BCA', deadline: day(30),
        indicators: [{ code: 'VNEID_L2', name: 'Tài khoản mức 2', unitOfMeasure: 'tài khoản', target: 100 }],
      },
    }, leader));
    expect(assigned.assignTask.task).toMatchObject({ id: 'T1', version: 0, status: 'IN_PROGRESS_ON_TIME', lead: { id: 'BCA' } });
    expect(assigned.assignTask.task.indicators).toEqual([{ code: 'VNEID_L2', target: 100, actual: null }]);

    const delegated = ok(await server.gql<{ delegateTask: { task: { version: number; children: { id: string }[] }; children: { id: string; lead: { id: string }; deadline: string; indicators: { target: number }[] }[] } }>(
      `mutation ($input: DelegateTaskInput!) { delegateTask(input: $input) { task { version children { id } } children { id lead { id } deadline indicators { target } } } }`,
      { input: { taskId: 'T1', expectedVersion: 0, to: [
        { leadUnitId: '01', targets: [{ code: 'VNEID_L2', value: 60 }] },
        { leadUnitId: '79', deadline: day(20), targets: [{ code: 'VNEID_L2', value: 40 }] },
      ] } }, leader));
    expect(delegated.delegateTask.task.version).toBe(1);
    expect(delegated.delegateTask.children).toEqual([
      { id: 'T1/01', lead: { id: '01' }, deadline: day(30), indicators: [{ target: 60 }] },
      { id: 'T1/79', lead: { id: '79' }, deadline: day(20), indicators: [{ target: 40 }] },
    ]);
  });

  it('rolls the provinces\' figures up into the parent\'s indicator actual', async () => {
    const report = async (tok: string, taskId: string, value: number, percent: number) =>
      ok(await server.gql<{ reportProgress: { task: { progress: number; indicators: { actual: number }[] } } }>(PROGRESS, {
        input: { taskId, percent, indicators: [{ code: 'VNEID_L2', value }], note: 'Báo cáo tiến độ' },
      }, tok));
    await report(focal01, 'T1/01', 10, 10);
    const second = await report(focal01, 'T1/01', 30, 50);
    expect(second.reportProgress.task.indicators[0]!.actual).toBe(30);
    await report(focal79, 'T1/79', 20, 50);
    const parent = ok(await server.gql<{ task: { progress: number; indicators: { actual: number; target: number }[] } }>(GET, { id: 'T1' }, leader));
    expect(parent.task.indicators[0]).toEqual({ code: 'VNEID_L2', target: 100, actual: 50 });
    expect(parent.task.progress).toBe(50);
    const progress = ok(await server.gql<{ unitProgress: { indicators: { code: string; target: number; actual: number }[]; totalTasks: number } }>(
      `{ unitProgress(unitId: "GOV") { totalTasks indicators { code target actual } } }`, {}, leader));
    expect(progress.unitProgress.indicators).toEqual([{ code: 'VNEID_L2', target: 100, actual: 50 }]);
    expect(progress.unitProgress.totalTasks).toBe(3);
  });

  it('extends the deadline on request, with a document as basis; asOf before the approval shows the old deadline', async () => {
    const requested = ok(await server.gql<{ requestDeadlineExtension: { task: { deadline: string; version: number } } }>(
      `mutation ($input: RequestDeadlineExtensionInput!) { requestDeadlineExtension(input: $input) { task { deadline version } } }`,
      { input: { taskId: 'T1', proposedDeadline: day(60), reason: 'Chờ nâng cấp hạ tầng kết nối', basis: [{ kind: 'DOCUMENT', ref: '55/BCA-C06' }] } }, focalBCA));
    expect(requested.requestDeadlineExtension.task.deadline).toBe(day(30));
    await new Promise((r) => setTimeout(r, 20));
    beforeApproval = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const approved = ok(await server.gql<{ decideDeadlineExtension: { task: { deadline: string } } }>(
      `mutation ($input: DecideDeadlineExtensionInput!) { decideDeadlineExtension(input: $input) { task { deadline } } }`,
      { input: { taskId: 'T1', approve: true, reason: 'Đồng ý gia hạn', basis: [{ kind: 'DOCUMENT', ref: '123/TB-VPCP' }] } }, leader));
    expect(approved.decideDeadlineExtension.task.deadline).toBe(day(60));
    afterApproval = new Date(Date.now() + 5).toISOString();

    const then = ok(await server.gql<{ task: { deadline: string } }>(GET, { id: 'T1', asOf: beforeApproval }, leader));
    expect(then.task.deadline).toBe(day(30));
    const now = ok(await server.gql<{ task: { deadline: string } }>(GET, { id: 'T1' }, leader));
    expect(now.task.deadline).toBe(day(60));
  });

  it('shows from, to, reason, basis and who in history, commitmentChanges and compare', async () => {
    const h = ok(await server.gql<{ task: { history: { totalCount: number; edges: { node: { kind: string; at: string; reason: string; changes: { field: string; from: string; to: string }[]; basis: { kind: string; ref: string }[]; actor: { id: string; role: string; unit: { id: string } } } }[] } } }>(
      `{ task(id: "T1") { history(first: 50) { totalCount edges { node { kind at reason changes { field from to } basis { kind ref } actor { id role unit { id } } } } } } }`, {}, leader));
    const approval = h.task.history.edges.map((e) => e.node).find((n) => n.kind === 'DeadlineExtensionApproved')!;
    expect(approval).toMatchObject({
      reason: 'Đồng ý gia hạn',
      changes: [{ field: 'deadline', from: day(30), to: day(60) }],
      basis: [{ kind: 'DOCUMENT', ref: '123/TB-VPCP' }],
      actor: { id: 'leader-gov', role: 'leader', unit: { id: 'GOV' } },
    });
    expect(h.task.history.edges.map((e) => e.node.kind)).toEqual(['TaskAssigned', 'TaskDelegated', 'DeadlineExtensionRequested', 'DeadlineExtensionApproved']);

    const changes = ok(await server.gql<{ commitmentChanges: { edges: { node: { kind: string; task: { id: string }; changes: { field: string; from: string; to: string }[]; reason: string; basis: { ref: string }[]; actor: { id: string } } }[] } }>(
      `query ($f: CommitmentChangeFilter) { commitmentChanges(filter: $f, first: 50) { edges { node { kind task { id } changes { field from to } reason basis { ref } actor { id } } } } }`,
      { f: { unitId: 'BCA', from: beforeApproval } }, leader));
    expect(changes.commitmentChanges.edges.map((e) => e.node)).toEqual([{
      kind: 'DeadlineExtensionApproved', task: { id: 'T1' }, changes: [{ field: 'deadline', from: day(30), to: day(60) }],
      reason: 'Đồng ý gia hạn', basis: [{ ref: '123/TB-VPCP' }], actor: { id: 'leader-gov' },
    }]);

    const cmp = ok(await server.gql<{ compare: { added: { id: string }[]; removed: { id: string }[]; changed: { task: { id: string }; changes: { field: string; from: string; to: string }[] }[] } }>(
      `query ($from: DateTime!, $to: DateTime!) { compare(unitId: "BCA", from: $from, to: $to) { added { id } removed { id } changed { task { id } changes { field from to } } } }`,
      { from: beforeApproval, to: afterApproval }, leader));
    expect(cmp.compare.added).toEqual([]);
    expect(cmp.compare.removed).toEqual([]);
    expect(cmp.compare.changed).toEqual([{ task: { id: 'T1' }, changes: [{ field: 'deadline', from: day(30), to: day(60) }] }]);
  });

  it('classifies OVERDUE, COMPLETED_ON_TIME and COMPLETED_LATE, and computes the on-time rate', async () => {
    // Recorded after the fact: its deadline is already past, so it is overdue at once.
    const late = ok(await server.gql<{ assignTask: { task: { status: string } } }>(ASSIGN, {
      input: { id: 'T2', title: 'Làm sạch dữ liệu dân cư', source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' }, leadUnitId: '01', deadline: day(-10) },
    }, leader));
    expect(late.assignTask.task.status).toBe('OVERDUE');
    const complete = async (focal: string, taskId: string) => {
      ok(await server.gql(`mutation ($input: ReportCompletionInput!) { reportCompletion(input: $input) { task { status } } }`,
        { input: { taskId, completedOn: day(0), evidence: 'Biên bản nghiệm thu' } }, focal));
      return ok(await server.gql<{ confirmCompletion: { task: { status: string; progress: number } } }>(
        `mutation ($input: DecideCompletionInput!) { confirmCompletion(input: $input) { task { status progress } } }`, { input: { taskId } }, leader));
    };
    expect((await complete(focal01, 'T1/01')).confirmCompletion.task).toEqual({ status: 'COMPLETED_ON_TIME', progress: 100 });
    expect((await complete(focal01, 'T2')).confirmCompletion.task.status).toBe('COMPLETED_LATE');
    const p = ok(await server.gql<{ unitProgress: { onTimeRate: number; byStatus: { status: string; count: number }[]; overdue: { id: string }[] } }>(
      `{ unitProgress(unitId: "01") { onTimeRate byStatus { status count } overdue { id } } }`, {}, leader));
    expect(p.unitProgress.onTimeRate).toBe(0.5);
    expect(p.unitProgress.byStatus.filter((s) => s.count > 0)).toEqual([{ status: 'COMPLETED_ON_TIME', count: 1 }, { status: 'COMPLETED_LATE', count: 1 }]);
  });

  it('answers a retried clientMutationId with the first result and writes nothing', async () => {
    const input = { clientMutationId: 'progress-79-a', taskId: 'T1/79', percent: 70, indicators: [{ code: 'VNEID_L2', value: 25 }], note: 'Cập nhật' };
    const first = ok(await server.gql<{ reportProgress: { clientMutationId: string; position: string; task: { version: number } } }>(PROGRESS, { input }, focal79));
    const again = ok(await server.gql<{ reportProgress: { clientMutationId: string; position: string; task: { version: number } } }>(PROGRESS, { input }, focal79));
    expect(again.reportProgress).toEqual(first.reportProgress);
    expect(first.reportProgress.clientMutationId).toBe('progress-79-a');
    const h = ok(await server.gql<{ task: { history: { totalCount: number } } }>(`{ task(id: "T1/79") { history { totalCount } } }`, {}, leader));
    expect(h.task.history.totalCount).toBe(3);
  });

  it('refuses a stale expectedVersion with CONFLICT and writes nothing', async () => {
    const before = ok(await server.gql<{ task: { version: number; progress: number } }>(GET, { id: 'T1/79' }, leader));
    const r = await server.gql(PROGRESS, { input: { taskId: 'T1/79', expectedVersion: before.task.version - 1, percent: 90, note: 'Muộn' } }, focal79);
    expect(errorCode(r)).toBe('CONFLICT');
    const after = ok(await server.gql<{ task: { version: number; progress: number } }>(GET, { id: 'T1/79' }, leader));
    expect(after.task).toEqual(before.task);
  });

  it('keeps everything across a restart', async () => {
    const before = ok(await server.gql(`{ task(id: "T1") { ${TASK} history(first: 50) { totalCount } } unitProgress(unitId: "GOV") { totalTasks onTimeRate indicators { code actual } } }`, {}, leader));
    expect(await server.stop()).toBe(0);
    await server.boot();
    const after = ok(await server.gql(`{ task(id: "T1") { ${TASK} history(first: 50) { totalCount } } unitProgress(unitId: "GOV") { totalTasks onTimeRate indicators { code actual } } }`, {}, leader));
    expect(after).toEqual(before);
  }, 90_000);
});
