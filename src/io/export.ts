/**
 * Task lists and unit progress as tables for XLSX and CSV. The task table starts with the
 * columns the importer reads (so an exported list can be edited and imported elsewhere), then
 * read-only figures: status, progress, actuals.
 */
import { type QueryOptions, Rollup, statusOf, unitProgress } from '../../projections/queries.js';
import type { TaskView } from '../../projections/task-view.js';
import type { Views } from '../runner/views.js';
import { daysBetween, dateAt } from '../shared/time.js';
import type { UnitState } from '../units/state.js';
import { TaskStatuses } from '../tasks/status.js';
import { statusLabel } from '../reporting/labels.js';
import { FIELDS } from './columns.js';
import type { Cell, Column, Table } from './sheet.js';

export const unitKindLabel: Record<string, string> = {
  GOVERNMENT: 'Chính phủ', WORKING_GROUP: 'Tổ công tác', MINISTRY: 'Bộ', AGENCY: 'Cơ quan ngang bộ', PROVINCE: 'Tỉnh, thành phố',
  DISTRICT: 'Huyện', COMMUNE: 'Xã, phường, đặc khu', VILLAGE: 'Thôn, tổ dân phố',
};

/** One row per indicator (a task without indicators takes one row); the task's own fields repeat on each. */
export function taskTable(views: Views, tasks: TaskView[], o: Pick<QueryOptions, 'at' | 'dueSoonDays'>): Table {
  const rollup = new Rollup(views);
  const columns: Column[] = [
    { header: FIELDS.id.header, width: 16 }, { header: FIELDS.stt.header, width: 6, kind: 'number' },
    { header: FIELDS.title.header, width: 60 }, { header: FIELDS.description.header, width: 30 }, { header: FIELDS.output.header, width: 30 },
    { header: FIELDS.sourceNumber.header, width: 16 }, { header: FIELDS.sourceDate.header, width: 13, kind: 'date' },
    { header: FIELDS.sourceIssuer.header, width: 24 }, { header: FIELDS.lead.header, width: 10 }, { header: FIELDS.coordinators.header, width: 20 },
    { header: FIELDS.deadline.header, width: 13, kind: 'date' }, { header: FIELDS.indicatorCode.header, width: 24 },
    { header: FIELDS.indicatorName.header, width: 36 }, { header: FIELDS.unitOfMeasure.header, width: 14 },
    { header: FIELDS.target.header, width: 12, kind: 'number' }, { header: FIELDS.confidential.header, width: 6 },
    { header: 'Tên đơn vị chủ trì', width: 30 }, { header: 'Nhiệm vụ cha', width: 14 }, { header: 'Trạng thái', width: 28 },
    { header: 'Tiến độ (%)', width: 10, kind: 'number' }, { header: 'Thực hiện', width: 12, kind: 'number' },
    { header: 'Ngày hoàn thành', width: 14, kind: 'date' },
  ];
  const rows: Cell[][] = [];
  tasks.forEach((t, i) => {
    const rolled = rollup.of(t);
    const base = (): Cell[] => [
      t.id, i + 1, t.title, t.description ?? null, t.output ?? null, t.source.number, t.source.date, t.source.issuer,
      t.leadUnitId, t.coordinatorIds.join(', ') || null, t.deadline,
    ];
    const tail: Cell[] = [
      t.confidential ? 'Có' : null, views.units.get(t.leadUnitId)?.name ?? null, t.parentId, statusLabel[statusOf(t, o)] ?? statusOf(t, o),
      rolled.progress,
    ];
    const completedOn = t.completion?.completedOn ?? null;
    if (t.indicators.length === 0) rows.push([...base(), null, null, null, null, ...tail, null, completedOn]);
    for (const ind of t.indicators) {
      const actual = rolled.indicators.find((r) => r.code === ind.code)?.actual ?? null;
      rows.push([...base(), ind.code, ind.name, ind.unitOfMeasure, ind.target, ...tail, actual, completedOn]);
    }
  });
  return { name: 'Nhiệm vụ', columns, rows };
}

/**
 * unitProgress of a unit and of each unit directly below it (one row each), its indicator totals
 * and its overdue tasks. CSV takes the first table.
 */
export function progressTables(views: Views, unit: UnitState, o: QueryOptions): Table[] {
  const children = (views.unitChildren.get(unit.id) ?? []).map((id) => views.units.get(id)!).filter(Boolean)
    .sort((a, b) => a.id.localeCompare(b.id));
  const own = unitProgress(views, unit, true, o);
  const progressRow = (u: UnitState): Cell[] => {
    const p = u.id === unit.id ? own : unitProgress(views, u, true, o);
    const count = (s: string) => p.byStatus.find((b) => b.status === s)?.count ?? 0;
    return [u.id, u.name, unitKindLabel[u.kind] ?? u.kind, p.totalTasks, ...TaskStatuses.map(count), p.onTimeRate, p.openObstacles, p.openFindings, p.overdueFindings.length];
  };
  const summary: Table = {
    name: 'Tiến độ',
    columns: [
      { header: 'Mã đơn vị', width: 10 }, { header: 'Tên đơn vị', width: 36 }, { header: 'Cấp', width: 16 },
      { header: 'Tổng số nhiệm vụ', kind: 'number' },
      ...TaskStatuses.map((s): Column => ({ header: statusLabel[s] ?? s, kind: 'number', width: 16 })),
      { header: 'Tỷ lệ hoàn thành đúng hạn', kind: 'percent', width: 14 }, { header: 'Vướng mắc chưa giải quyết', kind: 'number', width: 14 },
      { header: 'Phát hiện chưa đóng', kind: 'number', width: 14 }, { header: 'Phát hiện quá hạn', kind: 'number', width: 14 },
    ],
    rows: [progressRow(unit), ...children.map(progressRow)],
  };
  const indicators: Table = {
    name: 'Chỉ tiêu',
    columns: [
      { header: 'Mã chỉ tiêu', width: 26 }, { header: 'Tên chỉ tiêu', width: 44 }, { header: 'Đơn vị tính', width: 16 },
      { header: 'Mục tiêu', kind: 'number' }, { header: 'Thực hiện', kind: 'number' }, { header: 'Tỷ lệ đạt', kind: 'percent' },
    ],
    rows: own.indicators.map((i) => [i.code, i.name, i.unitOfMeasure, i.target, i.actual,
      i.target && i.actual != null ? Math.round((i.actual / i.target) * 1000) / 1000 : null]),
  };
  const today = dateAt(o.at);
  const overdue: Table = {
    name: 'Nhiệm vụ quá hạn',
    columns: [
      { header: 'Mã nhiệm vụ', width: 16 }, { header: 'Nhiệm vụ', width: 60 }, { header: 'Chủ trì', width: 30 },
      { header: 'Thời hạn', kind: 'date', width: 13 }, { header: 'Số ngày quá hạn', kind: 'number' }, { header: 'Tiến độ (%)', kind: 'number' },
    ],
    rows: own.overdue.map((t) => [t.id, t.title, views.units.get(t.leadUnitId)?.name ?? t.leadUnitId, t.deadline,
      t.deadline ? daysBetween(t.deadline, today) : null, new Rollup(views).of(t).progress]),
  };
  return [summary, indicators, overdue];
}
