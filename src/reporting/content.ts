/**
 * The standing agency's periodic report, as content: a pure function of the read model (and of
 * the commitment changes the runner keeps), with no I/O and no clock. Renderers (./render-*.ts)
 * turn the same content into Markdown, DOCX or PDF.
 */
import type { HistoryEntry } from '../../projections/history.js';
import { type QueryOptions, Rollup, byRank, openFindings, tasksInScope, unitProgress } from '../../projections/queries.js';
import type { TaskView } from '../../projections/task-view.js';
import { isOpenObstacle } from '../obstacles/state.js';
import { type DueRules, type Period, classifySubmission, dueDate } from '../periods/index.js';
import type { Views } from '../runner/views.js';
import { dateAt, daysBetween } from '../shared/time.js';
import type { UnitState } from '../units/state.js';
import {
  basisKindLabel, changeKindLabel, complianceLabel, fieldLabel, findingStatusLabel, obstacleCategoryLabel,
  obstacleStatusLabel, periodKindLabel, rollupLabel, severityLabel, statusLabel, viDate, viNumber, viPercent,
} from './labels.js';

export type Block =
  | { kind: 'paragraph'; text: string; bold?: boolean }
  | TableBlock
  | ChartBlock;

export interface TableBlock { kind: 'table'; columns: string[]; rows: string[][]; /** relative widths */ widths?: number[] }

/** Horizontal bars, best first: units ranked by their on-time rate. */
export interface ChartBlock {
  kind: 'chart';
  caption: string;
  /** What the bars' labels name ("Tỉnh, thành phố") and what their length measures. */
  label: string;
  valueLabel: string;
  bars: { label: string; /** 0..1; null: nothing to rank by (drawn empty, ranked last) */ value: number | null; text: string }[];
}

/** A chart as a table (rank, label, value): for renderers that do not draw (Markdown, DOCX). */
export function chartAsTable(chart: ChartBlock): TableBlock {
  return {
    kind: 'table', columns: ['Hạng', chart.label, chart.valueLabel], widths: [1, 6, 3],
    rows: chart.bars.map((b, i) => [String(i + 1), b.label, b.text]),
  };
}

export interface Section { heading: string; blocks: Block[] }

export type ComplianceState = 'ON_TIME' | 'LATE' | 'MISSING' | 'NOT_DUE';

export interface ReportFigures {
  totalTasks: number;
  byStatus: Record<string, number>;
  onTimeRate: number | null;
  overdue: number;
  openObstacles: number;
  escalatedObstacles: number;
  openFindings: number;
  overdueFindings: number;
  compliance: Record<ComplianceState, number>;
  commitmentChanges: number;
}

export interface ReportContent {
  title: string;
  subtitle: string;
  /** Lines under the title: unit, cut-off, date of the report, provenance. */
  preamble: string[];
  sections: Section[];
  figures: ReportFigures;
  /** For file names: unit id and period key. */
  unitId: string;
  periodKey: string;
}

export interface ReportInput {
  /** The read model at the data cut-off (`at`): statuses, obstacles, findings. */
  views: Views;
  /** The read model now: who has submitted their periodic report (submissions come after the cut-off). */
  live: Views;
  unitId: string;
  period: Period;
  /** The data cut-off instant; statuses are computed at it. */
  at: string;
  /** When the report is made: submission compliance is judged then. */
  generatedAt: string;
  dueSoonDays: number;
  dueRules: DueRules;
  /** Commitment changes that occurred in the period's window (runner.commitmentChanges), any unit. */
  changes: HistoryEntry[];
  title?: string;
  /** Longest lists (overdue tasks, changes) shown in full up to this many rows. */
  maxRows?: number;
}

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];
const CONFIDENTIAL = '[Nhiệm vụ mật]';
const MINISTERIAL = new Set(['MINISTRY', 'AGENCY']);

/** "tháng 11/2026", "quý 4/2026", "6 tháng đầu năm 2026", "năm 2026", "tuần 46/2026", "ngày 14/11/2026". */
export function periodName(period: Period): string {
  const [year, part] = period.key.split('-');
  switch (period.kind) {
    case 'MONTHLY': return `tháng ${Number(part)}/${year}`;
    case 'QUARTERLY': return `quý ${part!.slice(1)}/${year}`;
    case 'HALF_YEARLY': return part === 'H1' ? `6 tháng đầu năm ${year}` : `6 tháng cuối năm ${year}`;
    case 'ANNUAL': return `năm ${year}`;
    case 'WEEKLY': return `tuần ${Number(part!.slice(1))}/${year}`;
    case 'DAILY': return `ngày ${viDate(period.key)}`;
    default: return `${periodKindLabel[period.kind] ?? period.kind} ${period.key}`;
  }
}

export function buildReportContent(input: ReportInput): ReportContent {
  const { views, live, period } = input;
  const maxRows = input.maxRows ?? 200;
  const unit = views.units.get(input.unitId) ?? live.units.get(input.unitId);
  if (!unit) throw new Error(`unit ${input.unitId} not found`);
  const o: QueryOptions = { at: input.at, dueSoonDays: input.dueSoonDays, canSee: () => true };
  const today = dateAt(input.at);
  const name = (id: string | null | undefined) => (id ? views.units.get(id)?.name ?? live.units.get(id)?.name ?? id : '');
  const title = (t: TaskView | undefined, id: string) => (!t ? id : t.confidential ? CONFIDENTIAL : t.title);
  const rollup = new Rollup(views);

  const progress = views.units.has(unit.id) ? unitProgress(views, unit, true, o) : null;
  const scope = views.units.has(unit.id) ? tasksInScope(views, unit.id, true) : [];
  const scopeIds = new Set(scope.map((t) => t.id));
  const count = (s: string) => progress?.byStatus.find((b) => b.status === s)?.count ?? 0;

  // Obstacles that need a decision: open or escalated, on the tasks in scope.
  const obstacles = [...views.obstacles.values()]
    .filter((ob) => isOpenObstacle(ob) && scopeIds.has(ob.taskId))
    .sort((a, b) => (a.status === b.status ? a.raisedAt.localeCompare(b.raisedAt) : a.status === 'ESCALATED' ? -1 : 1));
  const findings = views.units.has(unit.id) ? openFindings(views, unit.id, true, input.at).open : [];
  const overdueFinding = (f: { dueDate: string | null }) => f.dueDate !== null && today > f.dueDate;

  // Submission compliance: the units that report to this one.
  const due = dueDate(period, input.dueRules);
  const reporting = (live.unitChildren.get(unit.id) ?? []).map((id) => live.units.get(id)!).filter((u) => u && u.kind !== 'WORKING_GROUP' && u.kind !== 'VILLAGE');
  const notYetDue = dateAt(input.generatedAt) <= due;
  const compliance = reporting.map((u) => {
    const report = live.reports.get(`${u.id}-${period.key}`);
    const status = classifySubmission(period, report?.firstSubmittedAt ?? null, input.generatedAt, input.dueRules);
    return { unit: u, report, status: (status === 'MISSING' && notYetDue ? 'NOT_DUE' : status) as ComplianceState };
  });
  const complianceCount: Record<ComplianceState, number> = { ON_TIME: 0, LATE: 0, MISSING: 0, NOT_DUE: 0 };
  for (const c of compliance) complianceCount[c.status]++;

  // Commitment changes in the window: those of tasks in this unit's subtree. Child tasks a
  // delegation assigned are told by the delegation's own entry.
  const changes = input.changes.filter((e) => {
    const task = live.tasks.get(e.taskId);
    if (e.kind === 'TaskAssigned' && task?.parentId) return false;
    return e.leadUnitIds.some((u) => live.isWithin(u, unit.id));
  });

  const figures: ReportFigures = {
    totalTasks: progress?.totalTasks ?? 0,
    byStatus: Object.fromEntries((progress?.byStatus ?? []).map((b) => [b.status, b.count])),
    onTimeRate: progress?.onTimeRate ?? null,
    overdue: progress?.overdue.length ?? 0,
    openObstacles: obstacles.length,
    escalatedObstacles: obstacles.filter((ob) => ob.status === 'ESCALATED').length,
    openFindings: findings.length,
    overdueFindings: findings.filter(overdueFinding).length,
    compliance: complianceCount,
    commitmentChanges: changes.length,
  };

  const sections: Section[] = [];
  const add = (heading: string, blocks: Block[]) => sections.push({ heading: `${ROMAN[sections.length] ?? sections.length + 1}. ${heading}`, blocks });
  const none = (text: string): Block => ({ kind: 'paragraph', text });
  const capped = <T>(rows: T[]) => rows.slice(0, maxRows);
  const more = (total: number, what: string): Block[] => (total > maxRows
    ? [none(`… và ${viNumber(total - maxRows)} ${what} khác (xem bảng tính xuất bằng lệnh tiendo export).`)] : []);

  // I. Summary figures
  const summaryRows: string[][] = [
    ['Tổng số nhiệm vụ', viNumber(figures.totalTasks)],
    ...['COMPLETED_ON_TIME', 'COMPLETED_LATE', 'IN_PROGRESS_ON_TIME', 'DUE_SOON', 'OVERDUE', 'AWAITING_CONFIRMATION', 'PAUSED', 'NO_DEADLINE', 'CANCELLED']
      .map((s) => [`– ${statusLabel[s]}`, viNumber(count(s))]),
    ['Tỷ lệ hoàn thành đúng hạn (trên số nhiệm vụ đã hoàn thành)', viPercent(figures.onTimeRate)],
    ['Khó khăn, vướng mắc chưa được giải quyết', `${viNumber(figures.openObstacles)} (đã báo cáo cấp trên: ${viNumber(figures.escalatedObstacles)})`],
    ['Phát hiện kiểm tra chưa đóng', `${viNumber(figures.openFindings)} (quá hạn khắc phục: ${viNumber(figures.overdueFindings)})`],
    ['Đơn vị gửi báo cáo định kỳ đúng hạn / muộn / chưa gửi',
      `${complianceCount.ON_TIME} / ${complianceCount.LATE} / ${complianceCount.MISSING + complianceCount.NOT_DUE} (trên ${reporting.length} đơn vị)`],
    ['Thay đổi cam kết trong kỳ', viNumber(figures.commitmentChanges)],
  ];
  const indicatorRows = (progress?.indicators ?? []).map((i) => [
    i.code, i.name, i.unitOfMeasure, rollupLabel[i.rollup] ?? i.rollup, viNumber(i.target), viNumber(i.actual),
    i.target && i.actual != null ? viPercent(i.actual / i.target) : '—',
  ]);
  add('TỔNG HỢP KẾT QUẢ THỰC HIỆN', [
    none(`Tính đến ngày ${viDate(today)}, ${unit.name} theo dõi ${viNumber(figures.totalTasks)} nhiệm vụ; `
      + `đã hoàn thành ${viNumber(count('COMPLETED_ON_TIME') + count('COMPLETED_LATE'))} nhiệm vụ (đúng hạn ${viNumber(count('COMPLETED_ON_TIME'))}), `
      + `${viNumber(figures.overdue)} nhiệm vụ quá hạn chưa hoàn thành; ${viNumber(figures.openObstacles)} khó khăn, vướng mắc cần xử lý.`),
    { kind: 'table', columns: ['Chỉ số', 'Giá trị'], rows: summaryRows, widths: [3, 1] },
    ...(indicatorRows.length
      ? [none('Kết quả thực hiện các chỉ tiêu:'),
        { kind: 'table', columns: ['Mã chỉ tiêu', 'Tên chỉ tiêu', 'Đơn vị tính', 'Cách tổng hợp', 'Mục tiêu', 'Thực hiện', 'Tỷ lệ đạt'], rows: indicatorRows, widths: [2, 4, 2, 1, 1, 1, 1] } as Block]
      : []),
  ]);

  // II–III. Per ministry, per province (per commune for a province's own report).
  // Each unit's table row, in the given order, and the chart of the same units ranked as the dashboard ranks them.
  const unitBlocks = (units: UnitState[], label: string): Block[] => {
    const progress = units.map((u) => unitProgress(views, u, true, o));
    const table: Block = {
      kind: 'table',
      columns: ['STT', label, 'Tổng số', 'Hoàn thành đúng hạn', 'Hoàn thành quá hạn', 'Đang thực hiện', 'Quá hạn chưa hoàn thành', 'Tỷ lệ đúng hạn', 'Vướng mắc'],
      widths: [1, 5, 1, 1, 1, 1, 1, 1, 1],
      rows: progress.map((p, i) => {
        const c = (s: string) => p.byStatus.find((b) => b.status === s)?.count ?? 0;
        const open = c('IN_PROGRESS_ON_TIME') + c('DUE_SOON') + c('AWAITING_CONFIRMATION') + c('NO_DEADLINE') + c('PAUSED');
        return [String(i + 1), p.unit.name, viNumber(p.totalTasks), viNumber(c('COMPLETED_ON_TIME')), viNumber(c('COMPLETED_LATE')),
          viNumber(open), viNumber(c('OVERDUE')), viPercent(p.onTimeRate), viNumber(p.openObstacles)];
      }),
    };
    if (units.length < 2) return [table]; // a ranking of one says nothing
    const ranked = progress.map((p) => ({ unit: p.unit, onTimeRate: p.onTimeRate, overdue: p.overdue.length })).sort(byRank);
    return [table, {
      kind: 'chart', caption: `Xếp hạng theo tỷ lệ hoàn thành đúng hạn (${label.toLowerCase()})`, label, valueLabel: 'Tỷ lệ hoàn thành đúng hạn',
      bars: ranked.map((r) => ({
        label: r.unit.name, value: r.onTimeRate,
        text: `${r.onTimeRate == null ? 'chưa có nhiệm vụ hoàn thành' : viPercent(r.onTimeRate)}${r.overdue ? ` · ${viNumber(r.overdue)} quá hạn` : ''}`,
      })),
    }];
  };
  const within = views.units.has(unit.id) ? views.subtree(unit.id).map((id) => views.units.get(id)!).filter(Boolean) : [];
  const byCode = (a: UnitState, b: UnitState) => a.id.localeCompare(b.id);
  const ministries = within.filter((u) => MINISTERIAL.has(u.kind));
  const order = new Map(['BQP', 'BCA', 'BNG', 'BNV', 'BTP', 'BTC', 'BCT', 'BNNMT', 'BXD', 'BVHTTDL', 'BKHCN', 'BGDDT', 'BYT', 'BDTTG', 'NHNN', 'TTCP', 'VPCP'].map((id, i) => [id, i]));
  ministries.sort((a, b) => (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99) || byCode(a, b));
  const provinces = within.filter((u) => u.kind === 'PROVINCE').sort(byCode);
  if (ministries.length) add('TÌNH HÌNH THỰC HIỆN CỦA CÁC BỘ, CƠ QUAN NGANG BỘ', unitBlocks(ministries, 'Bộ, cơ quan'));
  if (provinces.length) add('TÌNH HÌNH THỰC HIỆN CỦA CÁC TỈNH, THÀNH PHỐ', unitBlocks(provinces, 'Tỉnh, thành phố'));
  if (unit.kind === 'PROVINCE' || unit.kind === 'DISTRICT') {
    const communes = within.filter((u) => u.kind === 'COMMUNE' && tasksInScope(views, u.id, true).length > 0).sort(byCode);
    add('TÌNH HÌNH THỰC HIỆN CỦA CÁC XÃ, PHƯỜNG, ĐẶC KHU', communes.length
      ? unitBlocks(communes, 'Xã, phường, đặc khu') : [none('Chưa có xã, phường, đặc khu nào được giao nhiệm vụ.')]);
  }

  // Overdue tasks
  const overdue = progress?.overdue ?? [];
  add('NHIỆM VỤ QUÁ HẠN CHƯA HOÀN THÀNH', overdue.length
    ? [
      { kind: 'table', columns: ['STT', 'Mã', 'Nhiệm vụ', 'Đơn vị chủ trì', 'Thời hạn', 'Số ngày quá hạn', 'Tiến độ'], widths: [1, 2, 7, 3, 2, 1, 1],
        rows: capped(overdue).map((t, i) => [String(i + 1), t.id, title(t, t.id), name(t.leadUnitId), viDate(t.deadline),
          viNumber(daysBetween(t.deadline!, today)), rollup.of(t).progress == null ? '—' : `${viNumber(rollup.of(t).progress)}%`]) },
      ...more(overdue.length, 'nhiệm vụ quá hạn'),
    ]
    : [none('Không có nhiệm vụ quá hạn.')]);

  // Obstacles needing a decision
  add('KHÓ KHĂN, VƯỚNG MẮC CẦN CHO Ý KIẾN CHỈ ĐẠO', obstacles.length
    ? [{ kind: 'table', columns: ['STT', 'Mã', 'Nhiệm vụ', 'Đơn vị nêu', 'Nhóm', 'Nội dung', 'Đề xuất', 'Cấp quyết định', 'Tình trạng', 'Ngày nêu'],
      widths: [1, 2, 4, 3, 2, 5, 4, 3, 2, 2],
      rows: obstacles.map((ob, i) => [String(i + 1), ob.id, title(views.tasks.get(ob.taskId), ob.taskId), name(ob.unitId),
        obstacleCategoryLabel[ob.category] ?? ob.category, ob.description, ob.proposedSolution ?? '',
        name(ob.escalatedTo ?? ob.decisionUnitId), obstacleStatusLabel[ob.status] ?? ob.status, viDate(ob.raisedAt)]) }]
    : [none('Không có khó khăn, vướng mắc đang chờ xử lý.')]);

  // Findings
  add('KẾT QUẢ KIỂM TRA: PHÁT HIỆN CHƯA KHẮC PHỤC', findings.length
    ? [{ kind: 'table', columns: ['STT', 'Mã', 'Cuộc kiểm tra', 'Đơn vị', 'Mức độ', 'Nội dung', 'Kiến nghị', 'Hạn khắc phục', 'Tình trạng'],
      widths: [1, 1, 4, 3, 2, 5, 4, 2, 2],
      rows: findings.map((f, i) => [String(i + 1), f.id, views.inspections.get(f.inspectionId)?.title ?? f.inspectionId, name(f.unitId),
        severityLabel[f.severity] ?? f.severity, f.description, f.recommendation, viDate(f.dueDate),
        `${findingStatusLabel[f.status] ?? f.status}${overdueFinding(f) ? ' (quá hạn)' : ''}`]) }]
    : [none('Không có phát hiện kiểm tra nào chưa đóng.')]);

  // Submission compliance
  const rank: Record<ComplianceState, number> = { MISSING: 0, NOT_DUE: 1, LATE: 2, ON_TIME: 3 };
  compliance.sort((a, b) => rank[a.status] - rank[b.status] || a.unit.id.localeCompare(b.unit.id));
  add('TÌNH HÌNH CHẤP HÀNH CHẾ ĐỘ BÁO CÁO', [
    none(`Báo cáo ${periodName(period)} (số liệu từ ngày ${viDate(period.windowStart)} đến ngày ${viDate(period.windowEnd)}), hạn gửi ngày ${viDate(due)}: `
      + `${complianceCount.ON_TIME}/${reporting.length} đơn vị gửi đúng hạn, ${complianceCount.LATE} đơn vị gửi muộn, `
      + `${complianceCount.MISSING} đơn vị chưa gửi${complianceCount.NOT_DUE ? `, ${complianceCount.NOT_DUE} đơn vị chưa gửi (chưa đến hạn)` : ''}.`),
    ...(compliance.length
      ? [{ kind: 'table', columns: ['STT', 'Đơn vị', 'Ngày gửi', 'Số lần gửi', 'Tình trạng'], widths: [1, 6, 2, 1, 2],
        rows: compliance.map((c, i) => [String(i + 1), c.unit.name, viDate(c.report?.firstSubmittedAt), String(c.report?.submissions ?? 0),
          c.status === 'NOT_DUE' ? 'Chưa gửi (chưa đến hạn)' : complianceLabel[c.status] ?? c.status]) } as Block]
      : []),
  ]);

  // Commitment changes and their reasons
  const details = (e: HistoryEntry) => {
    if (e.kind === 'TaskDelegated') {
      const after = e.changes.find((c) => c.field === 'children')?.to?.split(', ').length ?? 0;
      const before = e.changes.find((c) => c.field === 'children')?.from?.split(', ').length ?? 0;
      return `Phân giao cho ${viNumber(after - before)} đơn vị`;
    }
    return e.changes
      .filter((c) => !['phase', 'progress', 'children'].includes(c.field) && !c.field.endsWith('.actual'))
      .map((c) => {
        const label = fieldLabel[c.field] ?? (c.field.startsWith('indicators.') ? `Mục tiêu ${c.field.split('.')[1]}` : c.field);
        const show = (v: string | null) => (v === null ? '(không)' : c.field === 'deadline' ? viDate(v) : c.field === 'lead' ? name(v) : v);
        return c.from === null ? `${label}: ${show(c.to)}` : `${label}: ${show(c.from)} → ${show(c.to)}`;
      })
      .join('; ');
  };
  const basis = (e: HistoryEntry) => e.basis.map((b) => `${basisKindLabel[b.kind] ?? b.kind}: ${b.ref}`).join('; ');
  add('CÁC THAY ĐỔI CAM KẾT TRONG KỲ VÀ LÝ DO', changes.length
    ? [
      { kind: 'table', columns: ['STT', 'Ngày', 'Nhiệm vụ', 'Thay đổi', 'Nội dung', 'Lý do', 'Căn cứ'], widths: [1, 2, 5, 2, 5, 4, 4],
        rows: capped(changes).map((e, i) => [String(i + 1), viDate(e.at), `${e.taskId}: ${title(live.tasks.get(e.taskId), e.taskId)}`,
          changeKindLabel[e.kind] ?? e.kind, details(e), e.reason ?? '', basis(e)]) },
      ...more(changes.length, 'thay đổi'),
    ]
    : [none('Trong kỳ không có thay đổi về thời hạn, đơn vị chủ trì, mục tiêu hoặc phạm vi nhiệm vụ.')]);

  return {
    title: input.title ?? 'BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ',
    subtitle: `Kỳ báo cáo: ${periodName(period)} (số liệu từ ngày ${viDate(period.windowStart)} đến ngày ${viDate(period.windowEnd)})`,
    preamble: [
      `Đơn vị: ${unit.name} (${unit.id})`,
      `Số liệu tính đến: ${viDate(input.at)}`,
      `Ngày lập báo cáo: ${viDate(input.generatedAt)}`,
      `Nguồn số liệu: tiendo, đến sự kiện số ${views.position ?? '—'}`,
    ],
    sections,
    figures,
    unitId: unit.id,
    periodKey: period.key,
  };
}
