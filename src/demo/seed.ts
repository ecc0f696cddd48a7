import { DateTime } from 'luxon';
import type { App } from '../app/app.js';
import type { CommandContext } from '../app/run-command.js';
import type { Actor } from '../shared/schemas.js';
import { ZONE } from '../shared/schemas.js';
import { addDays, dueDate, periodContaining } from '../periods/index.js';
import { loadOfficialUnits } from '../reference/load.js';
import { provinces } from './units.js';

/**
 * A realistic, illustrative Project 06 history (document numbers of the programme are real;
 * figures, extension notices and dates of progress are made up) recorded with backdated
 * instants, so that "as of" views of 2022–2025 show something.
 */
export async function seedDemo(app: App, now: string): Promise<number> {
  let commands = 0;
  const admin: Actor = { id: 'demo-admin', role: 'admin', unit: 'GOV' };
  const leader: Actor = { id: 'demo-leader', role: 'leader', unit: 'GOV' };
  const focal = (unit: string): Actor => ({ id: `demo-focal-${unit}`, role: 'focal_point', unit });
  const nowDt = DateTime.fromISO(now);
  /** A Vietnam calendar day at 09:00, never later than now. */
  const at = (date: string) => {
    const dt = DateTime.fromISO(`${date}T09:00:00`, { zone: ZONE });
    return (dt < nowDt ? dt : nowDt).toUTC().toISO()!;
  };
  const daysAgo = (n: number) => nowDt.minus({ days: n }).setZone(ZONE).toISODate()!;
  const ctx = (actor: Actor, when: string): CommandContext => ({ actor, now: at(when), correlationId: 'demo-seed' });
  const run = async (p: Promise<{ position: string }>) => {
    const { position } = await p;
    await app.runner.waitFor(position);
    commands++;
  };

  const start = '2022-01-06';
  await run(app.units.register({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' }, ctx(admin, start)));
  await run(app.units.register({ id: 'TCT06', kind: 'WORKING_GROUP', name: 'Tổ công tác triển khai Đề án 06', parentId: 'GOV' }, ctx(admin, start)));
  // The 17 ministries and agencies, 34 provinces and 3,321 communes with their official codes.
  commands += (await loadOfficialUnits(app, ctx(admin, start))).registered;

  const qd06 = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
  const qd1911 = { number: '1911/QĐ-TTg', date: '2021-11-15', issuer: 'Thủ tướng Chính phủ' };
  const assign = (input: Record<string, unknown>, when: string) => run(app.tasks.assign(input, ctx(leader, when)));

  await assign({
    id: 'DA06-01', title: 'Bảo đảm dữ liệu dân cư "đúng, đủ, sạch, sống"', source: qd06, leadUnitId: 'BCA',
    coordinatorIds: ['BTP'], deadline: '2025-12-31', output: 'Cơ sở dữ liệu quốc gia về dân cư được làm sạch',
    indicators: [{ code: 'POP_DATA_CLEANED', name: 'Hồ sơ dân cư được làm sạch', unitOfMeasure: 'triệu hồ sơ', target: 100 }],
  }, '2022-01-10');
  await assign({
    id: 'DA06-02', title: 'Cấp tài khoản định danh điện tử mức độ 2 cho công dân', source: qd06, leadUnitId: 'BCA',
    deadline: '2026-12-31',
    indicators: [{ code: 'VNEID_L2_ACTIVATED', name: 'Tài khoản định danh điện tử mức độ 2 được kích hoạt', unitOfMeasure: 'triệu tài khoản', target: 70 }],
  }, '2022-01-10');
  await assign({
    id: 'DA06-03', title: 'Kết nối, chia sẻ Cơ sở dữ liệu quốc gia về dân cư với các cơ sở dữ liệu quốc gia, chuyên ngành',
    source: qd1911, leadUnitId: 'BCA', coordinatorIds: ['VPCP', 'BKHCN'], deadline: '2023-06-30',
  }, '2022-01-12');
  await assign({
    id: 'DA06-04', title: 'Tích hợp, cung cấp 25 dịch vụ công thiết yếu trên Cổng Dịch vụ công quốc gia', source: qd06,
    leadUnitId: 'VPCP', coordinatorIds: ['BCA'], deadline: '2022-06-30',
    indicators: [{ code: 'ESSENTIAL_SERVICES_ONLINE', name: 'Dịch vụ công thiết yếu trực tuyến', unitOfMeasure: 'dịch vụ', target: 25 }],
  }, '2022-01-12');
  await assign({
    id: 'DA06-05', title: 'Sử dụng thẻ căn cước, ứng dụng VNeID thay thẻ bảo hiểm y tế khi khám chữa bệnh', source: qd06,
    leadUnitId: 'BYT', coordinatorIds: ['BCA'], deadline: '2025-06-30',
  }, '2022-02-15');
  await assign({
    id: 'DA06-06', title: 'Chi trả an sinh xã hội không dùng tiền mặt qua tài khoản đã xác thực với dữ liệu dân cư', source: qd06,
    leadUnitId: 'NHNN', coordinatorIds: ['BNV'], deadline: '2024-12-31',
  }, '2022-03-01');
  await assign({
    id: 'DA06-07', title: 'Bảo đảm an ninh, an toàn hệ thống thông tin Cơ sở dữ liệu quốc gia về dân cư', source: qd06,
    leadUnitId: 'BCA', confidential: true, deadline: null,
  }, '2022-01-15');

  // Cascade the two data tasks to every province, with targets in proportion to a rough population share.
  const share = (i: number) => Math.round((100 / provinces.length) * (0.6 + (i % 5) * 0.2) * 10) / 10;
  for (const [taskId, code] of [['DA06-01', 'POP_DATA_CLEANED'], ['DA06-02', 'VNEID_L2_ACTIVATED']] as const) {
    const scale = code === 'POP_DATA_CLEANED' ? 1 : 0.7;
    await run(app.tasks.delegate({
      taskId,
      to: provinces.map(([id], i) => ({ leadUnitId: id, targets: [{ code, value: Math.round(share(i) * scale * 10) / 10 }] })),
    }, ctx(leader, '2022-02-01')).then((r) => r.result));
  }

  // Quarterly progress from each province: most keep pace, a few lag.
  const quarters = ['2022-06-20', '2023-06-20', '2024-06-20', '2025-06-20'];
  for (const [i, [province]] of provinces.entries()) {
    const pace = 0.55 + ((i * 7) % 10) / 20;
    for (const [q, date] of quarters.entries()) {
      const done = Math.min(1, pace * ((q + 1) / quarters.length));
      const task = (id: string) => `${id}/${province}`;
      const target = (id: string) => app.runner.views.tasks.get(task(id))!.indicators[0]!.target ?? 0;
      await run(app.tasks.reportProgress({
        taskId: task('DA06-01'), percent: Math.round(done * 100),
        indicators: [{ code: 'POP_DATA_CLEANED', value: Math.round(target('DA06-01') * done * 10) / 10 }],
        note: `Báo cáo tiến độ làm sạch dữ liệu dân cư quý ${q + 2}`,
      }, ctx(focal(province), date)));
      await run(app.tasks.reportProgress({
        taskId: task('DA06-02'), percent: Math.round(done * 90),
        indicators: [{ code: 'VNEID_L2_ACTIVATED', value: Math.round(target('DA06-02') * done * 0.9 * 10) / 10 }],
        note: 'Cập nhật số tài khoản định danh điện tử mức độ 2 đã kích hoạt',
      }, ctx(focal(province), date)));
    }
    if (pace >= 0.9) {
      await run(app.tasks.reportCompletion({ taskId: `DA06-01/${province}`, completedOn: i % 3 === 0 ? '2026-01-20' : '2025-12-15', evidence: 'Báo cáo kết quả làm sạch dữ liệu dân cư' }, ctx(focal(province), i % 3 === 0 ? '2026-01-21' : '2025-12-16')));
      await run(app.tasks.confirmCompletion({ taskId: `DA06-01/${province}` }, ctx(leader, i % 3 === 0 ? '2026-01-25' : '2025-12-20')));
    }
  }

  // DA06-04: an extension requested and approved on a document's basis, then completed late against the original date.
  await run(app.tasks.reportProgress({ taskId: 'DA06-04', percent: 60, indicators: [{ code: 'ESSENTIAL_SERVICES_ONLINE', value: 15 }], note: 'Đã tích hợp 15/25 dịch vụ' }, ctx(focal('VPCP'), '2022-05-30')));
  // The obstacle behind the extension: the decision cites it, so "why" is answerable.
  await run(app.obstacles.raise({
    id: 'VM-DA06-04', taskId: 'DA06-04', category: 'COORDINATION',
    description: 'Các bộ, ngành chưa hoàn thành chuẩn hóa quy trình nghiệp vụ của 10 dịch vụ còn lại',
    proposedSolution: 'Tổ công tác đôn đốc các bộ hoàn thành chuẩn hóa trong quý III', decisionUnitId: 'TCT06',
  }, ctx(focal('VPCP'), '2022-06-15')));
  await run(app.tasks.requestDeadlineExtension({
    taskId: 'DA06-04', proposedDeadline: '2022-12-31', reason: 'Các bộ, ngành chưa hoàn thành chuẩn hóa quy trình nghiệp vụ của 10 dịch vụ còn lại',
    basis: [{ kind: 'OBSTACLE', ref: 'VM-DA06-04' }, { kind: 'DOCUMENT', ref: 'Công văn đề nghị gia hạn của Văn phòng Chính phủ (minh họa)' }],
  }, ctx(focal('VPCP'), '2022-06-20')));
  await run(app.tasks.decideDeadlineExtension({
    taskId: 'DA06-04', approve: true, reason: 'Đồng ý gia hạn theo kết luận của Tổ công tác',
    basis: [{ kind: 'OBSTACLE', ref: 'VM-DA06-04' }, { kind: 'DOCUMENT', ref: 'Thông báo kết luận của Tổ trưởng Tổ công tác (minh họa)' }],
  }, ctx(leader, '2022-06-27')));
  await run(app.obstacles.resolve({ obstacleId: 'VM-DA06-04', resolution: 'Các bộ đã hoàn thành chuẩn hóa quy trình' }, ctx(leader, '2022-10-10')));
  await run(app.tasks.reportProgress({ taskId: 'DA06-04', percent: 100, indicators: [{ code: 'ESSENTIAL_SERVICES_ONLINE', value: 25 }], note: 'Đã tích hợp đủ 25 dịch vụ công thiết yếu' }, ctx(focal('VPCP'), '2022-12-20')));
  await run(app.tasks.reportCompletion({ taskId: 'DA06-04', completedOn: '2022-12-28', evidence: 'Báo cáo hoàn thành tích hợp 25 dịch vụ công thiết yếu' }, ctx(focal('VPCP'), '2022-12-28')));
  await run(app.tasks.confirmCompletion({ taskId: 'DA06-04', reason: 'Hoàn thành trong thời hạn đã gia hạn' }, ctx(leader, '2023-01-05')));

  // DA06-03 finished on time; DA06-06 finished late; DA06-05 is overdue.
  await run(app.tasks.reportCompletion({ taskId: 'DA06-03', completedOn: '2023-06-15', evidence: 'Đã kết nối 13 cơ sở dữ liệu' }, ctx(focal('BCA'), '2023-06-16')));
  await run(app.tasks.confirmCompletion({ taskId: 'DA06-03' }, ctx(leader, '2023-06-25')));
  await run(app.tasks.reportCompletion({ taskId: 'DA06-06', completedOn: '2025-03-10', evidence: 'Báo cáo chi trả an sinh xã hội qua tài khoản' }, ctx(focal('NHNN'), '2025-03-11')));
  await run(app.tasks.confirmCompletion({ taskId: 'DA06-06' }, ctx(leader, '2025-03-20')));
  await run(app.tasks.reportProgress({ taskId: 'DA06-05', percent: 70, note: 'Còn vướng kết nối tại một số cơ sở khám chữa bệnh tuyến xã' }, ctx(focal('BYT'), daysAgo(30))));

  // Open obstacles: one escalated to the Government, two waiting at their units.
  await run(app.obstacles.raise({
    id: 'VM-DA06-05', taskId: 'DA06-05', category: 'INFRASTRUCTURE',
    description: 'Nhiều cơ sở khám chữa bệnh tuyến xã chưa có thiết bị đọc thẻ căn cước gắn chip',
    proposedSolution: 'Bố trí kinh phí trang bị thiết bị đọc thẻ',
  }, ctx(focal('BYT'), daysAgo(45))));
  await run(app.obstacles.escalate({ obstacleId: 'VM-DA06-05', toUnitId: 'GOV', reason: 'Vượt thẩm quyền của Bộ Y tế' }, ctx(focal('BYT'), daysAgo(40))));
  for (const [province, category, description] of [
    ['11', 'HUMAN_RESOURCES', 'Thiếu cán bộ làm sạch dữ liệu tại các xã vùng cao'],
    ['52', 'DATA', 'Dữ liệu hộ tịch giấy chưa được số hóa đầy đủ'],
  ] as const) {
    await run(app.obstacles.raise({ id: `VM-${province}`, taskId: `DA06-02/${province}`, category, description }, ctx(focal(province), daysAgo(20))));
  }

  // An inspection by the Government Inspectorate, one finding still open past its due date.
  const inspector: Actor = { id: 'demo-inspector', role: 'inspector', unit: 'TTCP' };
  await run(app.inspections.plan({
    id: 'KT-2025-01', title: 'Kiểm tra việc triển khai Đề án 06 tại Hà Nội và Hồ Chí Minh', targetUnitIds: ['01', '79'],
    taskIds: ['DA06-01/01', 'DA06-01/79'], from: '2025-09-01', to: '2025-09-30',
  }, ctx(inspector, '2025-08-20')));
  await run(app.inspections.recordFinding({
    inspectionId: 'KT-2025-01', findingId: 'PH-01', unitId: '00004', taskId: 'DA06-01/01', severity: 'MEDIUM',
    description: 'Một số hồ sơ dân cư chưa được cập nhật sau khi sáp nhập đơn vị hành chính',
    recommendation: 'Rà soát, cập nhật toàn bộ hồ sơ trong 60 ngày', dueDate: '2025-11-30',
  }, ctx(inspector, '2025-09-15')));
  await run(app.inspections.recordFinding({
    inspectionId: 'KT-2025-01', findingId: 'PH-02', unitId: '79', severity: 'LOW',
    description: 'Báo cáo định kỳ chưa đầy đủ số liệu chỉ tiêu', recommendation: 'Bổ sung số liệu', dueDate: '2025-10-31',
  }, ctx(inspector, '2025-09-20')));
  await run(app.inspections.respond({ inspectionId: 'KT-2025-01', findingId: 'PH-02', response: 'Đã bổ sung số liệu' }, ctx(focal('79'), '2025-10-20')));
  await run(app.inspections.closeFinding({ inspectionId: 'KT-2025-01', findingId: 'PH-02' }, ctx(inspector, '2025-10-25')));
  await run(app.inspections.conclude({ inspectionId: 'KT-2025-01', conclusion: 'Cơ bản triển khai đúng tiến độ; yêu cầu khắc phục phát hiện PH-01' }, ctx(inspector, '2025-10-30')));

  // Last month's reports: most provinces on time, some late, a few missing.
  const lastMonth = periodContaining('MONTHLY', daysAgo(35));
  const due = dueDate(lastMonth);
  for (const [i, [province]] of provinces.entries()) {
    if (i % 7 === 6) continue;
    const late = i % 5 === 4;
    const when = late ? addDays(due, 2) : addDays(lastMonth.windowEnd, 1);
    await run(app.reports.submit({
      unitId: province, period: { kind: 'MONTHLY', key: lastMonth.key },
      indicators: [{ code: 'VNEID_L2_ACTIVATED', value: Math.round(share(i) * 0.6 * 10) / 10 }],
      narrative: 'Báo cáo kết quả triển khai Đề án 06 trong tháng',
    }, ctx(focal(province), when)));
  }

  // A ward task in Hà Nội, due soon.
  await assign({
    id: 'HN-2026-01', title: 'Hướng dẫn người dân sử dụng dịch vụ công trực tuyến và ứng dụng VNeID tại phường',
    source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' }, leadUnitId: '00004', deadline: daysAgo(-5),
  }, daysAgo(60));
  return commands;
}
