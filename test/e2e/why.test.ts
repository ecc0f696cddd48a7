import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/schemas.js';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * `why` (issue 17) over HTTP against the real server. Task A's deadline was extended on the basis
 * of an obstacle raised after an inspection's finding; task B never changed; task C is
 * confidential (lead 01) and task P, public, cites C's obstacle.
 *
 * Tree: GOV ─ 01, 48, TTCP (the inspectorate).
 */
let server: TestServer;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const as = (role: Role, unit: string) => token({ id: `${role}@${unit}`, role, unit });
let gov: string;
let focal01: string;
let inspector: string;

const mutate = async (name: string, type: string, input: Record<string, unknown>, who: string) =>
  ok(await server.gql(`mutation ($i: ${type}!) { ${name}(input: $i) { position } }`, { i: input }, who));

/** Waits until the server's clock has moved past an instant, so the next event occurs strictly later. */
async function after(instant: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() <= Date.parse(instant)) {
    if (Date.now() > deadline) throw new Error(`the clock did not pass ${instant}`);
    await new Promise((r) => setImmediate(r));
  }
}

const WHY = `query ($task: ID!, $field: String!, $asOf: DateTime) {
  why(taskId: $task, field: $field, asOf: $asOf) {
    task { id } field value since asOf changed deadlineInForce completionReported summary
    links {
      kind explains reason basis { kind ref }
      event { id kind stream position occurredAt recordedAt actor { id role unit { id } } }
      changes { field from to }
      obstacle { id category description escalatedTo { id } status }
      finding { id description inspection { id title } }
      inspection { id title }
    }
  }
}`;

interface Link {
  kind: string; explains: string | null; reason: string | null; basis: { kind: string; ref: string }[];
  event: { id: string; kind: string; stream: string; position: string; occurredAt: string; recordedAt: string; actor: { id: string; role: string; unit: { id: string } | null } };
  changes: { field: string; from: string | null; to: string | null }[];
  obstacle: { id: string; category: string; description: string; escalatedTo: { id: string } | null; status: string } | null;
  finding: { id: string; description: string; inspection: { id: string; title: string } } | null;
  inspection: { id: string; title: string } | null;
}
interface Why {
  task: { id: string }; field: string; value: string | null; since: string | null; asOf: string; changed: boolean;
  deadlineInForce: string | null; completionReported: boolean | null; summary: string; links: Link[];
}
const why = async (task: string, field: string, who: string, asOf?: string) =>
  ok(await server.gql<{ why: Why }>(WHY, { task, field, ...(asOf ? { asOf } : {}) }, who)).why;

let requestedAt: string;

beforeAll(async () => {
  server = await TestServer.start();
  const admin = await as('admin', 'GOV');
  gov = await as('leader', 'GOV');
  focal01 = await as('focal_point', '01');
  inspector = await as('inspector', 'TTCP');
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['01', 'PROVINCE', 'GOV'], ['48', 'PROVINCE', 'GOV'], ['TTCP', 'AGENCY', 'GOV']]) {
    await mutate('registerUnit', 'RegisterUnitInput', { id, kind, name: `Đơn vị ${id}`, parentId }, admin);
  }
  const indicators = [{ code: 'SERVICES_ONLINE', name: 'Dịch vụ công trực tuyến', unitOfMeasure: 'dịch vụ', target: 25 }];
  await mutate('assignTask', 'AssignTaskInput', { id: 'A', title: 'Tích hợp dịch vụ công thiết yếu', source, leadUnitId: '01', deadline: '2024-06-30', indicators }, gov);
  await mutate('assignTask', 'AssignTaskInput', { id: 'B', title: 'Cấp căn cước cho công dân', source, leadUnitId: '01', deadline: '2099-12-31' }, gov);
  await mutate('assignTask', 'AssignTaskInput', { id: 'C', title: 'Bảo vệ dữ liệu dân cư mật', source, leadUnitId: '01', deadline: '2024-06-30', confidential: true }, gov);
  await mutate('assignTask', 'AssignTaskInput', { id: 'P', title: 'Công khai dịch vụ công', source, leadUnitId: '01', deadline: '2024-06-30' }, gov);

  // A: finding → obstacle raised after it (escalated) → extension requested because of it → approved.
  await mutate('planInspection', 'PlanInspectionInput', { id: 'KT-1', title: 'Kiểm tra Đề án 06 tại tỉnh 01', targetUnitIds: ['01'], taskIds: ['A'], from: '2024-05-01', to: '2024-05-31' }, inspector);
  await mutate('recordFinding', 'RecordFindingInput', {
    inspectionId: 'KT-1', findingId: 'PH-1', unitId: '01', taskId: 'A', severity: 'HIGH',
    description: 'Chưa chuẩn hóa quy trình của 10 dịch vụ', recommendation: 'Chuẩn hóa trong quý III',
  }, inspector);
  await mutate('raiseObstacle', 'RaiseObstacleInput', {
    id: 'VM-A', taskId: 'A', category: 'COORDINATION', description: 'Các bộ chưa chuẩn hóa quy trình nghiệp vụ',
    basis: [{ kind: 'FINDING', ref: 'PH-1' }],
  }, focal01);
  await mutate('escalateObstacle', 'EscalateObstacleInput', { obstacleId: 'VM-A', toUnitId: 'GOV', reason: 'Vượt thẩm quyền của tỉnh' }, focal01);
  await mutate('requestDeadlineExtension', 'RequestDeadlineExtensionInput', {
    taskId: 'A', proposedDeadline: '2024-12-31', reason: 'Chờ các bộ chuẩn hóa quy trình', basis: [{ kind: 'OBSTACLE', ref: 'VM-A' }],
  }, focal01);
  const history = ok(await server.gql<{ task: { history: { edges: { node: { kind: string; at: string } }[] } } }>(
    '{ task(id: "A") { history { edges { node { kind at } } } } }', {}, gov));
  requestedAt = history.task.history.edges.find((e) => e.node.kind === 'DeadlineExtensionRequested')!.node.at;
  await after(requestedAt);
  await mutate('decideDeadlineExtension', 'DecideDeadlineExtensionInput', {
    taskId: 'A', approve: true, reason: 'Đồng ý gia hạn theo kết luận kiểm tra',
    basis: [{ kind: 'DOCUMENT', ref: '123/TB-VPCP' }, { kind: 'OBSTACLE', ref: 'VM-A' }],
  }, gov);

  // B: completion reported (awaiting confirmation), its deadline as assigned.
  await mutate('reportCompletion', 'ReportCompletionInput', { taskId: 'B', completedOn: '2024-01-10', evidence: 'Biên bản nghiệm thu' }, focal01);

  // C (confidential) and P (public) both extended because of C's obstacle.
  await mutate('raiseObstacle', 'RaiseObstacleInput', { id: 'VM-C', taskId: 'C', category: 'DATA', description: 'Thiếu dữ liệu mật của hệ thống' }, focal01);
  for (const task of ['C', 'P']) {
    await mutate('requestDeadlineExtension', 'RequestDeadlineExtensionInput', {
      taskId: task, proposedDeadline: '2099-06-30', reason: 'Chờ dữ liệu', basis: [{ kind: 'OBSTACLE', ref: 'VM-C' }],
    }, focal01);
    await mutate('decideDeadlineExtension', 'DecideDeadlineExtensionInput', { taskId: task, approve: true, reason: 'Đồng ý' }, gov);
  }
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

const ms = (iso: string) => Date.parse(iso);

describe('why', () => {
  it('explains a deadline extended on the basis of an obstacle raised after a finding: four links, nearest first', async () => {
    const w = await why('A', 'deadline', gov);
    expect(w.value).toBe('2024-12-31');
    expect(w.changed).toBe(true);
    expect(w.links.map((l) => [l.kind, l.event.kind])).toEqual([
      ['SET_BY', 'DeadlineExtensionApproved'],
      ['DECIDED_ON_BASIS_OF', 'DeadlineExtensionRequested'],
      ['REQUESTED_BECAUSE_OF', 'ObstacleRaised'],
      ['RAISED_AFTER', 'FindingRecorded'],
    ]);
    const [approved, requested, obstacle, finding] = w.links as [Link, Link, Link, Link];
    // Who, and in which stream.
    expect([approved, requested, obstacle, finding].map((l) => l.event.actor.id)).toEqual(['leader@GOV', 'focal_point@01', 'focal_point@01', 'inspector@TTCP']);
    expect(approved.event.actor.unit?.id).toBe('GOV');
    expect([approved, requested, obstacle, finding].map((l) => l.event.stream)).toEqual(['task-A', 'task-A', 'obstacle-VM-A', 'inspection-KT-1']);
    // When: nearest first, each link earlier than the one it explains; recorded as it happened.
    for (let i = 1; i < 4; i++) expect(ms(w.links[i]!.event.occurredAt)).toBeLessThan(ms(w.links[i - 1]!.event.occurredAt));
    for (const l of w.links) {
      expect(Math.abs(ms(l.event.recordedAt) - ms(l.event.occurredAt))).toBeLessThan(60_000);
      expect(l.event.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(l.event.position).toBeTruthy();
    }
    expect(w.since).toBe(approved.event.occurredAt);
    // Each link names the one it explains.
    expect(w.links.map((l) => l.explains)).toEqual([null, approved.event.id, requested.event.id, obstacle.event.id]);
    // The decision: reason, documents, the change.
    expect(approved.reason).toBe('Đồng ý gia hạn theo kết luận kiểm tra');
    expect(approved.basis).toContainEqual({ kind: 'DOCUMENT', ref: '123/TB-VPCP' });
    expect(approved.changes).toContainEqual({ field: 'deadline', from: '2024-06-30', to: '2024-12-31' });
    expect(requested.reason).toBe('Chờ các bộ chuẩn hóa quy trình');
    // The obstacle: category, escalated to; the finding and its inspection.
    expect(obstacle.obstacle).toMatchObject({ id: 'VM-A', category: 'COORDINATION', escalatedTo: { id: 'GOV' }, status: 'ESCALATED' });
    expect(obstacle.basis).toEqual([{ kind: 'FINDING', ref: 'PH-1' }]);
    expect(finding.finding).toMatchObject({ id: 'PH-1', description: 'Chưa chuẩn hóa quy trình của 10 dịch vụ', inspection: { id: 'KT-1', title: 'Kiểm tra Đề án 06 tại tỉnh 01' } });
    expect(finding.inspection?.id).toBe('KT-1');
    expect(w.summary).toContain('2024-12-31');
    expect(w.summary).toContain('DeadlineExtensionApproved');
  });

  it('explains the deadline as it stood before the approval (asOf): the assignment, nothing after', async () => {
    const w = await why('A', 'deadline', gov, requestedAt);
    expect(w.value).toBe('2024-06-30');
    expect(w.changed).toBe(false);
    expect(w.links.map((l) => [l.kind, l.event.kind])).toEqual([['ASSIGNED_BY', 'TaskAssigned']]);
    expect(ms(w.asOf)).toBe(ms(requestedAt));
  });

  it('explains status: OVERDUE since it was assigned past its deadline, the deadline in force and why, no completion reported', async () => {
    const w = await why('A', 'status', gov);
    const assignedAt = ok(await server.gql<{ task: { assignedAt: string } }>('{ task(id: "A") { assignedAt } }', {}, gov)).task.assignedAt;
    expect(w.value).toBe('OVERDUE');
    expect(w.deadlineInForce).toBe('2024-12-31');
    expect(w.completionReported).toBe(false);
    // Overdue from the start (2024-06-30 had passed), and still overdue after the extension to 2024-12-31.
    expect(w.since).toBe(assignedAt);
    expect(w.summary).toMatch(/^OVERDUE since \d{4}-\d{2}-\d{2}: deadline 2024-12-31 in force, no completion reported$/);
    expect(w.links.map((l) => [l.kind, l.event.kind])).toEqual([
      ['DEADLINE_IN_FORCE', 'DeadlineExtensionApproved'],
      ['DECIDED_ON_BASIS_OF', 'DeadlineExtensionRequested'],
      ['REQUESTED_BECAUSE_OF', 'ObstacleRaised'],
      ['RAISED_AFTER', 'FindingRecorded'],
    ]);
  });

  it('explains a status set by an event: awaiting confirmation since the completion report, judged against the assigned deadline', async () => {
    const w = await why('B', 'status', gov);
    expect(w.value).toBe('AWAITING_CONFIRMATION');
    expect(w.completionReported).toBe(true);
    expect(w.links.map((l) => [l.kind, l.event.kind, l.event.actor.id])).toEqual([
      ['PHASE_SET_BY', 'CompletionReported', 'focal_point@01'],
      ['DEADLINE_IN_FORCE', 'TaskAssigned', 'leader@GOV'],
    ]);
    expect(w.since).toBe(w.links[0]!.event.occurredAt);
    expect(w.links[1]!.explains).toBe(w.links[0]!.event.id);
  });

  it('says a field never changed, with its assignment', async () => {
    for (const field of ['deadline', 'lead']) {
      const w = await why('B', field, gov);
      expect(w.changed, field).toBe(false);
      expect(w.links, field).toHaveLength(1);
      expect(w.links[0]).toMatchObject({ kind: 'ASSIGNED_BY', explains: null, event: { kind: 'TaskAssigned', stream: 'task-B', actor: { id: 'leader@GOV' } } });
      expect(w.summary, field).toContain('unchanged since the assignment');
    }
    expect((await why('B', 'deadline', gov)).value).toBe('2099-12-31');
    expect((await why('B', 'lead', gov)).value).toBe('01');
    const target = await why('A', 'target:SERVICES_ONLINE', gov);
    expect(target).toMatchObject({ field: 'target:SERVICES_ONLINE', value: '25', changed: false });
    expect(target.links.map((l) => l.kind)).toEqual(['ASSIGNED_BY']);
  });

  it('shows the confidential task and its obstacle to the units that may see it', async () => {
    const w = await why('C', 'deadline', focal01);
    expect(w.links.map((l) => l.event.kind)).toEqual(['DeadlineExtensionApproved', 'DeadlineExtensionRequested', 'ObstacleRaised']);
    expect(w.links[2]!.obstacle?.id).toBe('VM-C');
    const p = await why('P', 'deadline', gov);
    expect(p.links.map((l) => l.obstacle?.id ?? l.event.kind)).toEqual(['DeadlineExtensionApproved', 'DeadlineExtensionRequested', 'VM-C']);
  });

  it('hides a confidential task from an outside unit: the same NOT_FOUND as a task that does not exist, nothing of its links', async () => {
    for (const [role, unit] of [['focal_point', '48'], ['leader', '48']] as const) {
      const who = await as(role, unit);
      const hidden = await server.gql(WHY, { task: 'C', field: 'deadline' }, who);
      const missing = await server.gql(WHY, { task: 'NO-SUCH-TASK', field: 'deadline' }, who);
      expect(hidden.body.data ?? null).toBeNull();
      expect(errorCode(hidden)).toBe('NOT_FOUND');
      expect(JSON.stringify(hidden.body).replaceAll('"C"', '"X"').replaceAll('task C ', 'task X ')).toBe(
        JSON.stringify(missing.body).replaceAll('"NO-SUCH-TASK"', '"X"').replaceAll('task NO-SUCH-TASK ', 'task X '));
      expect(JSON.stringify(hidden.body)).not.toMatch(/VM-C|Thiếu dữ liệu|mật/);
      // The public task P cites C's obstacle: the outsider sees the decision and the request, not the obstacle.
      const p = await server.gql<{ why: Why }>(WHY, { task: 'P', field: 'deadline' }, who);
      const links = ok(p).why.links;
      expect(links.map((l) => [l.kind, l.event.kind])).toEqual([['SET_BY', 'DeadlineExtensionApproved'], ['DECIDED_ON_BASIS_OF', 'DeadlineExtensionRequested']]);
      expect(JSON.stringify(links.map(({ basis: _b, ...rest }) => rest))).not.toMatch(/VM-C|Thiếu dữ liệu/);
      // The status of C is as hidden as its deadline.
      expect(errorCode(await server.gql(WHY, { task: 'C', field: 'status' }, who))).toBe('NOT_FOUND');
    }
  });

  it('refuses a field it cannot explain with BAD_USER_INPUT and a clear message, and writes nothing', async () => {
    const before = (await (await fetch(`${server.url}/health`)).json()) as { position: string };
    const bad = await server.gql(WHY, { task: 'A', field: 'dealine' }, gov);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    expect(bad.body.errors![0]!.message).toMatch(/field "dealine" cannot be explained: ask for status, .*deadline.*target:<indicator code>/);
    // Checked before the task: an unknown field on a hidden task says nothing about the task.
    expect(errorCode(await server.gql(WHY, { task: 'C', field: 'dealine' }, await as('focal_point', '48')))).toBe('BAD_USER_INPUT');
    const code = await server.gql(WHY, { task: 'A', field: 'target:NOPE' }, gov);
    expect(errorCode(code)).toBe('BAD_USER_INPUT');
    expect(code.body.errors![0]!.message).toBe('task A has no indicator NOPE');
    expect(errorCode(await server.gql(WHY, { task: 'A', field: 'deadline', asOf: 'yesterday' }, gov))).toBe('BAD_USER_INPUT');
    for (const r of [bad, code]) expect(r.status).toBeLessThan(500);
    const afterwards = (await (await fetch(`${server.url}/health`)).json()) as { position: string };
    expect(afterwards.position).toBe(before.position);
  });
});
