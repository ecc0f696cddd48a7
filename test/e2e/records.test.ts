import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodContaining } from '../../src/periods/index.js';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/** Obstacles, inspections and periodic reports over HTTP against the real server. */
const today = DateTime.now().setZone('Asia/Ho_Chi_Minh');
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };

let server: TestServer;
let leader: string;
let focal01: string;
let focal79: string;
let focalBCA: string;
let inspector: string;
let otherInspector: string;

const OBSTACLE = `id status category description resolution version unit { id } task { id } escalatedTo { id } proposedSolution`;

beforeAll(async () => {
  server = await TestServer.start();
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  focal01 = await token({ id: 'focal-01', role: 'focal_point', unit: '01' });
  focal79 = await token({ id: 'focal-79', role: 'focal_point', unit: '79' });
  focalBCA = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  inspector = await token({ id: 'inspector-ttcp', role: 'inspector', unit: 'TTCP' });
  otherInspector = await token({ id: 'inspector-bca', role: 'inspector', unit: 'BCA' });
  const units: [string, string, string | null][] = [
    ['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['TTCP', 'AGENCY', 'GOV'],
    ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV'], ['96', 'PROVINCE', 'GOV'], ['00004', 'COMMUNE', '01'],
  ];
  for (const [id, kind, parentId] of units) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
    { input: { id: 'R1', title: 'Kết nối dữ liệu dân cư', source, leadUnitId: 'BCA', deadline: day(10) } }, leader));
  ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
    { input: { id: 'R2', title: 'Làm sạch dữ liệu', source, leadUnitId: '01', deadline: day(40) } }, leader));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('obstacles (khó khăn, vướng mắc)', () => {
  it('are raised, escalated and resolved; an extension cites one and the history shows the link', async () => {
    const raised = ok(await server.gql<{ raiseObstacle: { obstacle: Record<string, unknown> } }>(
      `mutation ($input: RaiseObstacleInput!) { raiseObstacle(input: $input) { obstacle { ${OBSTACLE} } } }`,
      { input: { id: 'O1', taskId: 'R1', category: 'INFRASTRUCTURE', description: 'Đường truyền chưa ổn định', proposedSolution: 'Nâng cấp đường truyền' } }, focalBCA));
    expect(raised.raiseObstacle.obstacle).toEqual({
      id: 'O1', status: 'OPEN', category: 'INFRASTRUCTURE', description: 'Đường truyền chưa ổn định', resolution: null, version: 0,
      unit: { id: 'BCA' }, task: { id: 'R1' }, escalatedTo: null, proposedSolution: 'Nâng cấp đường truyền',
    });
    const progress = async () => ok(await server.gql<{ unitProgress: { openObstacles: number; obstaclesByCategory: { category: string; count: number }[] } }>(
      `{ unitProgress(unitId: "BCA") { openObstacles obstaclesByCategory { category count } } }`, {}, leader)).unitProgress;
    expect((await progress()).openObstacles).toBe(1);

    const escalated = ok(await server.gql<{ escalateObstacle: { obstacle: { status: string; escalatedTo: { id: string } } } }>(
      `mutation { escalateObstacle(input: { obstacleId: "O1", toUnitId: "GOV", reason: "Cần Chính phủ quyết" }) { obstacle { status escalatedTo { id } } } }`, {}, focalBCA));
    expect(escalated.escalateObstacle.obstacle).toEqual({ status: 'ESCALATED', escalatedTo: { id: 'GOV' } });

    const dash = ok(await server.gql<{ programmeDashboard: { obstaclesByCategory: { category: string; count: number }[]; ministries: { unit: { id: string }; openObstacles: number }[] } }>(
      `{ programmeDashboard { obstaclesByCategory { category count } ministries { unit { id } openObstacles } } }`, {}, leader));
    expect(dash.programmeDashboard.obstaclesByCategory.find((c) => c.category === 'INFRASTRUCTURE')!.count).toBe(1);
    expect(dash.programmeDashboard.ministries.find((m) => m.unit.id === 'BCA')!.openObstacles).toBe(1);

    ok(await server.gql(`mutation { requestDeadlineExtension(input: { taskId: "R1", proposedDeadline: "${day(40)}", reason: "Do vướng mắc hạ tầng", basis: [{ kind: OBSTACLE, ref: "O1" }] }) { task { id } } }`, {}, focalBCA));
    ok(await server.gql(`mutation { decideDeadlineExtension(input: { taskId: "R1", approve: true, reason: "Chấp thuận do vướng mắc hạ tầng", basis: [{ kind: OBSTACLE, ref: "O1" }] }) { task { deadline } } }`, {}, leader));
    const h = ok(await server.gql<{ task: { history: { edges: { node: { kind: string; basis: { kind: string; ref: string; obstacle: { id: string; category: string } | null }[] } }[] } } }>(
      `{ task(id: "R1") { history { edges { node { kind basis { kind ref obstacle { id category } } } } } } }`, {}, leader));
    const approval = h.task.history.edges.map((e) => e.node).find((n) => n.kind === 'DeadlineExtensionApproved')!;
    expect(approval.basis).toEqual([{ kind: 'OBSTACLE', ref: 'O1', obstacle: { id: 'O1', category: 'INFRASTRUCTURE' } }]);

    const resolved = ok(await server.gql<{ resolveObstacle: { obstacle: { status: string; resolution: string } } }>(
      `mutation { resolveObstacle(input: { obstacleId: "O1", resolution: "Đã nâng cấp đường truyền" }) { obstacle { status resolution } } }`, {}, leader));
    expect(resolved.resolveObstacle.obstacle).toEqual({ status: 'RESOLVED', resolution: 'Đã nâng cấp đường truyền' });
    expect((await progress()).openObstacles).toBe(0);
  });

  it('refuses what is wrong, and writes nothing', async () => {
    const version = async () => ok(await server.gql<{ obstacle: { version: number } }>(`{ obstacle(id: "O1") { version } }`, {}, leader)).obstacle.version;
    const before = await version();
    expect(errorCode(await server.gql(`mutation { resolveObstacle(input: { obstacleId: "O1", resolution: "lần nữa" }) { obstacle { id } } }`, {}, leader))).toBe('CONFLICT');
    expect(errorCode(await server.gql(`mutation { raiseObstacle(input: { taskId: "NOPE", category: DATA, description: "x" }) { obstacle { id } } }`, {}, focalBCA))).toBe('NOT_FOUND');
    expect(errorCode(await server.gql(`mutation { raiseObstacle(input: { taskId: "R1", category: DATA, description: "x" }) { obstacle { id } } }`, {}, focal01))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql(`mutation { decideDeadlineExtension(input: { taskId: "R1", approve: true, deadline: "${day(80)}", reason: "x", basis: [{ kind: OBSTACLE, ref: "NO-SUCH" }] }) { task { id } } }`, {}, leader))).toBe('NOT_FOUND');
    expect(await version()).toBe(before);
    const r1 = ok(await server.gql<{ task: { deadline: string } }>(`{ task(id: "R1") { deadline } }`, {}, leader));
    expect(r1.task.deadline).toBe(day(40));
  });

  it('can be withdrawn by the unit that raised it', async () => {
    ok(await server.gql(`mutation { raiseObstacle(input: { id: "O2", taskId: "R2", category: FUNDING, description: "Thiếu kinh phí" }) { obstacle { id } } }`, {}, focal01));
    const w = ok(await server.gql<{ withdrawObstacle: { obstacle: { status: string } } }>(`mutation { withdrawObstacle(input: { obstacleId: "O2", reason: "Đã bố trí được kinh phí" }) { obstacle { status } } }`, {}, focal01));
    expect(w.withdrawObstacle.obstacle.status).toBe('WITHDRAWN');
    const list = ok(await server.gql<{ obstacles: { totalCount: number; edges: { node: { id: string } }[] } }>(`{ obstacles(filter: { status: [WITHDRAWN] }) { totalCount edges { node { id } } } }`, {}, leader));
    expect(list.obstacles.edges.map((e) => e.node.id)).toEqual(['O2']);
  });
});

describe('inspections (kiểm tra)', () => {
  it('are planned, findings recorded, responded to, closed and the inspection concluded', async () => {
    const planned = ok(await server.gql<{ planInspection: { inspection: { id: string; team: { id: string }; targets: { id: string }[]; concluded: boolean; version: number } } }>(
      `mutation { planInspection(input: { id: "K1", title: "Kiểm tra triển khai Đề án 06", targetUnitIds: ["01", "79"], taskIds: ["R2"], from: "${day(-5)}", to: "${day(5)}" }) { inspection { id team { id } targets { id } concluded version } } }`, {}, inspector));
    expect(planned.planInspection.inspection).toEqual({ id: 'K1', team: { id: 'TTCP' }, targets: [{ id: '01' }, { id: '79' }], concluded: false, version: 0 });

    const record = (findingId: string, unitId: string, dueDate: string) => server.gql<{ recordFinding: { finding: { id: string; status: string; overdue: boolean; unit: { id: string } } } }>(
      `mutation ($input: RecordFindingInput!) { recordFinding(input: $input) { finding { id status overdue unit { id } } } }`,
      { input: { inspectionId: 'K1', findingId, unitId, severity: 'HIGH', description: 'Dữ liệu chưa được cập nhật kịp thời', recommendation: 'Cập nhật trong 30 ngày', dueDate } }, inspector);
    expect(ok(await record('F1', '00004', day(-1))).recordFinding.finding).toEqual({ id: 'F1', status: 'OPEN', overdue: true, unit: { id: '00004' } });
    ok(await record('F2', '79', day(30)));
    expect(errorCode(await record('F3', '96', day(30)))).toBe('BAD_USER_INPUT');
    expect(errorCode(await server.gql(`mutation { recordFinding(input: { inspectionId: "K1", unitId: "01", severity: LOW, description: "x", recommendation: "y" }) { finding { id } } }`, {}, otherInspector))).toBe('FORBIDDEN');

    const p01 = ok(await server.gql<{ unitProgress: { openFindings: number; overdueFindings: { id: string }[] } }>(`{ unitProgress(unitId: "01") { openFindings overdueFindings { id } } }`, {}, leader));
    expect(p01.unitProgress).toEqual({ openFindings: 1, overdueFindings: [{ id: 'F1' }] });

    const responded = ok(await server.gql<{ respondToFinding: { finding: { status: string; response: string } } }>(
      `mutation { respondToFinding(input: { inspectionId: "K1", findingId: "F2", response: "Đã cập nhật" }) { finding { status response } } }`, {}, focal79));
    expect(responded.respondToFinding.finding).toEqual({ status: 'RESPONDED', response: 'Đã cập nhật' });
    expect(errorCode(await server.gql(`mutation { respondToFinding(input: { inspectionId: "K1", findingId: "F1", response: "không phải đơn vị tôi" }) { finding { id } } }`, {}, focal79))).toBe('FORBIDDEN');
    ok(await server.gql(`mutation { closeFinding(input: { inspectionId: "K1", findingId: "F2" }) { finding { status } } }`, {}, inspector));
    const concluded = ok(await server.gql<{ concludeInspection: { inspection: { concluded: boolean; conclusion: string; findings: { id: string; status: string }[] } } }>(
      `mutation { concludeInspection(input: { inspectionId: "K1", conclusion: "Cơ bản hoàn thành" }) { inspection { concluded conclusion findings { id status } } } }`, {}, inspector));
    expect(concluded.concludeInspection.inspection).toEqual({
      concluded: true, conclusion: 'Cơ bản hoàn thành', findings: [{ id: 'F1', status: 'OPEN' }, { id: 'F2', status: 'CLOSED' }],
    });
  });

  it('refuses a finding on a concluded inspection, and writes nothing', async () => {
    const r = await server.gql(`mutation { recordFinding(input: { inspectionId: "K1", unitId: "01", severity: LOW, description: "x", recommendation: "y" }) { finding { id } } }`, {}, inspector);
    expect(errorCode(r)).toBe('CONFLICT');
    expect(errorCode(await server.gql(`mutation { recordFinding(input: { inspectionId: "NOPE", unitId: "01", severity: LOW, description: "x", recommendation: "y" }) { finding { id } } }`, {}, inspector))).toBe('NOT_FOUND');
    const i = ok(await server.gql<{ inspection: { version: number; findings: unknown[] } }>(`{ inspection(id: "K1") { version findings { id } } }`, {}, leader));
    expect(i.inspection.findings).toHaveLength(2);
    expect(i.inspection.version).toBe(5);
  });
});

describe('periodic reports (báo cáo định kỳ) and compliance', () => {
  // The monthly period whose window holds today has not been reported by anyone: nobody is on time yet.
  const current = periodContaining('MONTHLY', today.toISODate()!);

  it('accepts a report, supersedes it on re-submission, and lists compliance per province', async () => {
    const submit = (tok: string, unitId: string, narrative: string) => server.gql<{ submitPeriodicReport: { accepted: boolean } }>(
      `mutation ($input: SubmitPeriodicReportInput!) { submitPeriodicReport(input: $input) { accepted position } }`,
      { input: { unitId, period: { kind: 'MONTHLY', key: current.key }, indicators: [{ code: 'VNEID_L2', value: 12 }], narrative } }, tok);
    expect(ok(await submit(focal01, '01', 'Báo cáo tháng')).submitPeriodicReport.accepted).toBe(true);
    ok(await submit(focal01, '01', 'Báo cáo tháng (bổ sung)'));
    const c = ok(await server.gql<{ reportCompliance: { period: string; windowStart: string; windowEnd: string; rows: { unit: { id: string }; status: string; submissions: number; submittedAt: string | null }[] } }>(
      `query ($p: PeriodInput!) { reportCompliance(period: $p) { period windowStart windowEnd rows { unit { id } status submissions submittedAt } } }`,
      { p: { kind: 'MONTHLY', key: current.key } }, leader));
    expect(c.reportCompliance).toMatchObject({ period: current.key, windowStart: current.windowStart, windowEnd: current.windowEnd });
    expect(c.reportCompliance.rows.map((r) => [r.unit.id, r.status, r.submissions])).toEqual([
      ['01', 'ON_TIME', 2], ['79', 'MISSING', 0], ['96', 'MISSING', 0],
    ]);
  });

  it('checks the Decree 09 window of a period and refuses a key that does not match its kind', async () => {
    const c = ok(await server.gql<{ reportCompliance: { windowStart: string; windowEnd: string } }>(
      `{ reportCompliance(period: { kind: QUARTERLY, key: "2026-Q4" }) { windowStart windowEnd } }`, {}, leader));
    expect(c.reportCompliance).toEqual({ windowStart: '2026-09-15', windowEnd: '2026-12-14' });
    expect(errorCode(await server.gql(`{ reportCompliance(period: { kind: MONTHLY, key: "2026-Q4" }) { period } }`, {}, leader))).toBe('BAD_USER_INPUT');
    expect(errorCode(await server.gql(`mutation { submitPeriodicReport(input: { unitId: "01", period: { kind: MONTHLY, key: "2026-13" }, narrative: "x" }) { accepted } }`, {}, focal01))).toBe('BAD_USER_INPUT');
  });

  it('refuses a report for another unit, and writes nothing', async () => {
    const r = await server.gql(`mutation { submitPeriodicReport(input: { unitId: "79", period: { kind: MONTHLY, key: "${current.key}" }, narrative: "thay" }) { accepted } }`, {}, focal01);
    expect(errorCode(r)).toBe('FORBIDDEN');
    const c = ok(await server.gql<{ reportCompliance: { rows: { unit: { id: string }; status: string }[] } }>(
      `{ reportCompliance(period: { kind: MONTHLY, key: "${current.key}" }) { rows { unit { id } status } } }`, {}, leader));
    expect(c.reportCompliance.rows.find((x) => x.unit.id === '79')!.status).toBe('MISSING');
  });

  it('feeds reported figures into unitProgress where no task-level figure is newer', async () => {
    ok(await server.gql(`mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
      { input: { id: 'R3', title: 'Định danh điện tử', source, leadUnitId: '79', deadline: day(50), indicators: [{ code: 'VNEID_L2', name: 'Mức 2', unitOfMeasure: 'tài khoản', target: 50 }] } }, leader));
    ok(await server.gql(`mutation { reportProgress(input: { taskId: "R3", indicators: [{ code: "VNEID_L2", value: 5 }], note: "x" }) { task { id } } }`, {}, focal79));
    const figure = async () => ok(await server.gql<{ unitProgress: { indicators: { code: string; actual: number }[] } }>(`{ unitProgress(unitId: "79") { indicators { code actual } } }`, {}, leader)).unitProgress.indicators;
    expect(await figure()).toEqual([{ code: 'VNEID_L2', actual: 5 }]);
    ok(await server.gql(`mutation { submitPeriodicReport(input: { unitId: "79", period: { kind: MONTHLY, key: "${current.key}" }, indicators: [{ code: "VNEID_L2", value: 9 }], narrative: "Báo cáo" }) { accepted } }`, {}, focal79));
    expect(await figure()).toEqual([{ code: 'VNEID_L2', actual: 9 }]);
    ok(await server.gql(`mutation { reportProgress(input: { taskId: "R3", indicators: [{ code: "VNEID_L2", value: 11 }], note: "x" }) { task { id } } }`, {}, focal79));
    expect(await figure()).toEqual([{ code: 'VNEID_L2', actual: 11 }]);
  });
});
