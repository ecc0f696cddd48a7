/**
 * Task assignments from a ministry's spreadsheet: every row is checked (the AssignTask command
 * schema, the units it names, the policy, the decider's rules) before anything is written, and
 * nothing is written unless every row passes. Rows are written through app.tasks.assign, so an
 * import is the same events as the same tasks assigned one by one; a re-run is idempotent.
 */
import { basename } from 'node:path';
import type { z } from 'zod';
import type { App } from '../app/app.js';
import type { CommandContext } from '../app/run-command.js';
import { authorize } from '../auth/policy.js';
import { TiendoError } from '../errors.js';
import type { Views } from '../runner/views.js';
import { readableId } from '../shared/ids.js';
import type { Actor } from '../shared/schemas.js';
import { mapPool } from '../shared/pool.js';
import { AssignTask } from '../tasks/commands.js';
import { decideTask } from '../tasks/decide.js';
import type { Task } from '../tasks/state.js';
import { foldText } from '../../projections/text.js';
import { FIELDS, type Field, INDICATOR_FIELDS, REQUIRED_FIELDS, TASK_FIELDS, fieldOfHeader } from './columns.js';
import { UnitResolver } from './resolve-units.js';
import { type Cell, type SheetRow, readSheet } from './sheet.js';

export interface RowError {
  /** Row number as the spreadsheet shows it (the header row included in the count). */
  row: number;
  /** The column's header as written in the file (or the expected header when the column is missing). */
  column: string;
  message: string;
}

export interface PlannedTask {
  id: string;
  /** The spreadsheet rows it came from: the first holds the task, each holds one indicator. */
  rows: number[];
  input: z.output<typeof AssignTask>;
}

export interface ImportPlan {
  headerRow: number;
  /** Data rows read (blank rows not counted). */
  rowCount: number;
  columns: Partial<Record<Field, string>>;
  ignoredColumns: string[];
  tasks: PlannedTask[];
  /** Tasks already in the store exactly as the file has them (a re-run of the same import). */
  alreadyThere: PlannedTask[];
  errors: RowError[];
}

export interface PlanOptions {
  actor: Actor;
  now: string;
  /** Written as each task's reason: where it came from. */
  sourceName?: string;
}

const HEADER_SCAN = 15;
const blank = (c: Cell | undefined) => c === null || c === undefined || (typeof c === 'string' && c.trim() === '');

function text(c: Cell | undefined): string | undefined {
  if (blank(c)) return undefined;
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  return String(c).trim();
}

const pad = (n: string) => n.padStart(2, '0');

/** A date cell or text (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY) → YYYY-MM-DD, the calendar check left to the schema. */
function dateOf(c: Cell | undefined): { ok: true; value: string | undefined } | { ok: false; message: string } {
  if (blank(c)) return { ok: true, value: undefined };
  if (c instanceof Date) {
    // exceljs reads a date cell as that day at 00:00 UTC.
    return Number.isNaN(c.getTime()) ? { ok: false, message: 'ngày không hợp lệ / invalid date' } : { ok: true, value: c.toISOString().slice(0, 10) };
  }
  const s = String(c).trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return { ok: true, value: s };
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
  if (m) return { ok: true, value: `${m[3]}-${pad(m[2]!)}-${pad(m[1]!)}` };
  return { ok: false, message: `"${s}" không phải ngày (dd/mm/yyyy hoặc yyyy-mm-dd) / not a date` };
}

const RECURRING = new Set(['thuong xuyen', 'hang nam', 'hang quy', 'hang thang', 'dinh ky', 'recurring', 'khong thoi han']);

/** 1.234,5 (Vietnamese), 1,234.5, 1234.5, 12,5 → a number. */
function numberOf(c: Cell | undefined): { ok: true; value: number | null } | { ok: false; message: string } {
  if (blank(c)) return { ok: true, value: null };
  if (typeof c === 'number') return { ok: true, value: c };
  const s = String(c).replace(/\s/g, '');
  let normal: string;
  if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) normal = s.replace(/\./g, '').replace(',', '.');
  else if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) normal = s.replace(/,/g, '');
  else if (/^\d+,\d+$/.test(s)) normal = s.replace(',', '.');
  else normal = s;
  const n = Number(normal);
  return /^-?\d+(\.\d+)?$/.test(normal) && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: `"${String(c)}" không phải số / not a number` };
}

function booleanOf(c: Cell | undefined): { ok: true; value: boolean } | { ok: false; message: string } {
  if (blank(c)) return { ok: true, value: false };
  if (typeof c === 'boolean') return { ok: true, value: c };
  const f = foldText(String(c));
  if (['x', 'co', 'mat', 'true', '1', 'yes', 'y'].includes(f)) return { ok: true, value: true };
  if (['khong', 'false', '0', 'no', 'n'].includes(f)) return { ok: true, value: false };
  return { ok: false, message: `"${String(c)}" không rõ (Có/Không) / expected yes or no` };
}

/** The first row (of the first few) that names a title and at least two other known columns. */
function findHeader(rows: SheetRow[]): { index: number; columns: Map<number, Field>; names: Partial<Record<Field, string>>; ignored: string[]; duplicates: { field: Field; header: string }[] } | undefined {
  for (let i = 0; i < Math.min(rows.length, HEADER_SCAN); i++) {
    const columns = new Map<number, Field>();
    const names: Partial<Record<Field, string>> = {};
    const ignored: string[] = [];
    const duplicates: { field: Field; header: string }[] = [];
    rows[i]!.cells.forEach((cell, c) => {
      const header = text(cell);
      if (!header) return;
      const field = fieldOfHeader(header);
      if (!field) ignored.push(header);
      else if (names[field]) duplicates.push({ field, header });
      else {
        columns.set(c, field);
        names[field] = header;
      }
    });
    if (names.title && columns.size >= 3) return { index: i, columns, names, ignored, duplicates };
  }
  return undefined;
}

type Row = { row: number; values: Partial<Record<Field, Cell>> };

/** Same content as far as an AssignTask can say: a re-run of the same file finds it so. */
function sameTask(t: Task, input: z.output<typeof AssignTask>): boolean {
  const norm = (s: string | null | undefined) => (s ?? '').trim();
  return t.title === input.title && norm(t.description) === norm(input.description) && norm(t.output) === norm(input.output)
    && t.source.number === input.source.number && t.source.date === input.source.date && t.source.issuer === input.source.issuer
    && t.leadUnitId === input.leadUnitId && t.coordinatorIds.join('|') === [...new Set(input.coordinatorIds)].join('|')
    && t.confidential === input.confidential && t.parentId === null
    && JSON.stringify(t.indicators.map(({ code, name, unitOfMeasure, target }) => ({ code, name, unitOfMeasure, target })))
      === JSON.stringify(input.indicators.map(({ code, name, unitOfMeasure, target }) => ({ code, name, unitOfMeasure, target })))
    // The deadline in force (an exported list) or the one it was assigned with (the original file, extended since).
    && [t.deadline, (t as { deadlines?: { deadline: string | null }[] }).deadlines?.[0]?.deadline ?? t.deadline].includes(input.deadline ?? null);
}

/** Checks every row against the read model; writes nothing. */
export function planImport(sheet: SheetRow[], views: Views, options: PlanOptions): ImportPlan {
  const errors: RowError[] = [];
  const plan: ImportPlan = { headerRow: 0, rowCount: 0, columns: {}, ignoredColumns: [], tasks: [], alreadyThere: [], errors };
  const header = findHeader(sheet);
  if (!header) {
    const expected = REQUIRED_FIELDS.map((f) => FIELDS[f].header).join(', ');
    errors.push({ row: sheet[0]?.row ?? 1, column: '', message: `không tìm thấy dòng tiêu đề (cần các cột ${expected}) / no header row found` });
    return plan;
  }
  const headerRow = sheet[header.index]!.row;
  Object.assign(plan, { headerRow, columns: header.names, ignoredColumns: header.ignored });
  const col = (f: Field) => header.names[f] ?? FIELDS[f].header;
  for (const d of header.duplicates) errors.push({ row: headerRow, column: d.header, message: `cột trùng với "${header.names[d.field]}" / duplicate column` });
  for (const f of REQUIRED_FIELDS) {
    if (!header.names[f]) errors.push({ row: headerRow, column: FIELDS[f].header, message: 'thiếu cột bắt buộc / required column missing' });
  }
  if (errors.length) return plan;

  const rows: Row[] = sheet.slice(header.index + 1)
    .map((r) => {
      const values: Partial<Record<Field, Cell>> = {};
      for (const [c, f] of header.columns) values[f] = r.cells[c] ?? null;
      return { row: r.row, values };
    })
    .filter((r) => Object.values(r.values).some((v) => !blank(v)));
  plan.rowCount = rows.length;

  // Rows of one task: those sharing an id, or each row alone when the file has no id column.
  const groups = new Map<string, Row[]>();
  const derived = new Map<string, number>();
  for (const r of rows) {
    let key = text(r.values.id);
    if (!key) {
      const seed = ['import', text(r.values.sourceNumber), text(r.values.stt), text(r.values.title), text(r.values.lead)].join('|');
      key = readableId('NV', seed);
      const earlier = derived.get(key);
      if (earlier !== undefined) {
        errors.push({ row: r.row, column: col('title'), message: `trùng với dòng ${earlier} / same task as row ${earlier}` });
        continue;
      }
      derived.set(key, r.row);
    }
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }

  const resolver = new UnitResolver(views);
  for (const [id, group] of groups) {
    const first = group[0]!;
    const reported = new Set<string>();
    const fail = (row: number, field: Field | '', message: string) => {
      const column = field ? col(field) : '';
      const key = `${row}|${column}`;
      if (reported.has(key)) return;
      reported.add(key);
      errors.push({ row, column, message });
    };
    const v = first.values;
    // Continuation rows may repeat the task's fields, never contradict them.
    for (const r of group.slice(1)) {
      for (const f of TASK_FIELDS) {
        if (blank(r.values[f]) || f === 'stt') continue;
        if (text(r.values[f]) !== text(v[f])) fail(r.row, f, `khác với dòng ${first.row} của cùng nhiệm vụ ${id} / differs from row ${first.row}`);
      }
    }

    const sourceDate = dateOf(v.sourceDate);
    if (!sourceDate.ok) fail(first.row, 'sourceDate', sourceDate.message);
    let deadline: string | null | undefined = null;
    const deadlineText = text(v.deadline);
    if (deadlineText && !RECURRING.has(foldText(deadlineText))) {
      const d = dateOf(v.deadline);
      if (d.ok) deadline = d.value;
      else fail(first.row, 'deadline', d.message);
    }
    const confidential = booleanOf(v.confidential);
    if (!confidential.ok) fail(first.row, 'confidential', confidential.message);

    let leadUnitId: string | undefined;
    if (!blank(v.lead)) {
      const lead = resolver.resolve(text(v.lead)!);
      if (lead.ok) leadUnitId = lead.id;
      else fail(first.row, 'lead', lead.message);
    }
    let coordinatorIds: string[] = [];
    if (!blank(v.coordinators)) {
      const list = resolver.resolveList(text(v.coordinators)!);
      coordinatorIds = list.ids;
      if (list.errors.length) fail(first.row, 'coordinators', list.errors.join('; '));
    }

    const indicators: Record<string, unknown>[] = [];
    const indicatorRows: number[] = [];
    for (const r of group) {
      const iv = r.values;
      if (blank(iv.indicatorCode)) {
        const stray = INDICATOR_FIELDS.find((f) => !blank(iv[f]));
        if (stray) fail(r.row, 'indicatorCode', `thiếu mã chỉ tiêu cho "${col(stray)}" / indicator code required`);
        continue;
      }
      const target = numberOf(iv.target);
      if (!target.ok) fail(r.row, 'target', target.message);
      indicators.push({
        code: text(iv.indicatorCode), name: text(iv.indicatorName), unitOfMeasure: text(iv.unitOfMeasure),
        target: target.ok ? target.value : null,
      });
      indicatorRows.push(r.row);
    }

    const input = {
      id, title: text(v.title), description: text(v.description), output: text(v.output),
      source: { number: text(v.sourceNumber), date: sourceDate.ok ? sourceDate.value : undefined, issuer: text(v.sourceIssuer) },
      leadUnitId, coordinatorIds, deadline, indicators, confidential: confidential.ok ? confidential.value : false,
      reason: `Nhập từ bảng tính${options.sourceName ? ` ${options.sourceName}` : ''}, dòng ${group.map((r) => r.row).join(', ')}`,
    };
    const parsed = AssignTask.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const [head, index, leaf] = issue.path.map(String);
        const missing = issue.code === 'invalid_type' && issue.message.includes('undefined');
        const message = missing ? 'bắt buộc, không được để trống / required' : issue.message;
        if (head === 'indicators' && index !== undefined) {
          const field = ({ code: 'indicatorCode', name: 'indicatorName', unitOfMeasure: 'unitOfMeasure', target: 'target' } as Record<string, Field>)[leaf ?? ''] ?? 'indicatorCode';
          fail(indicatorRows[Number(index)] ?? first.row, field, message);
        } else if (head === 'source') {
          fail(first.row, ({ number: 'sourceNumber', date: 'sourceDate', issuer: 'sourceIssuer' } as Record<string, Field>)[index ?? ''] ?? 'sourceNumber', message);
        } else if (head === 'leadUnitId') fail(first.row, 'lead', message);
        else if (head === 'coordinatorIds') fail(first.row, 'coordinators', message);
        else if (head === 'id') fail(first.row, header.names.id ? 'id' : 'title', message);
        else if (head && head in FIELDS) fail(first.row, head as Field, message);
        else fail(first.row, '', `${issue.path.join('.')}: ${message}`);
      }
      continue;
    }
    const data = parsed.data;
    const planned: PlannedTask = { id, rows: group.map((r) => r.row), input: data };
    const existing = views.tasks.get(id);
    if (existing) {
      if (sameTask(existing, data)) plan.alreadyThere.push(planned);
      else fail(first.row, header.names.id ? 'id' : 'title', `nhiệm vụ ${id} đã có với nội dung khác / task already exists with other content`);
      continue;
    }
    // The rules the command path applies, named by column.
    const checks: [Field, () => void][] = [
      ['lead', () => authorize('assignTask', options.actor, data.leadUnitId, views)],
      ...data.coordinatorIds.map((c): [Field, () => void] => ['coordinators', () => {
        if (c === data.leadUnitId) throw new Error(`${c} vừa chủ trì vừa phối hợp / the lead unit cannot also coordinate`);
        authorize('assignTask', options.actor, c, views);
      }]),
      ['coordinators', () => {
        if (new Set(data.coordinatorIds).size !== data.coordinatorIds.length) throw new Error('một đơn vị được ghi hai lần / a unit is listed twice');
      }],
      [header.names.id ? 'id' : 'title', () => {
        if (id.includes('/')) throw new Error('mã nhiệm vụ không được chứa "/" (dành cho nhiệm vụ phân giao) / "/" marks delegated tasks');
      }],
    ];
    const seenCodes = new Map<string, number>();
    data.indicators.forEach((ind, i) => checks.push(['indicatorCode', () => {
      if (seenCodes.has(ind.code)) throw Object.assign(new Error(`chỉ tiêu ${ind.code} đã có ở dòng ${seenCodes.get(ind.code)} / listed twice`), { row: indicatorRows[i] });
      seenCodes.set(ind.code, indicatorRows[i]!);
    }]));
    let ok = true;
    for (const [field, check] of checks) {
      try {
        check();
      } catch (error) {
        ok = false;
        fail((error as { row?: number }).row ?? first.row, field, (error as Error).message);
      }
    }
    if (!ok) continue;
    try {
      decideTask({ type: 'AssignTask', data }, null, { now: options.now, units: views });
    } catch (error) {
      if (!(error instanceof TiendoError)) throw error;
      fail(first.row, '', error.message);
      continue;
    }
    plan.tasks.push(planned);
  }
  errors.sort((a, b) => a.row - b.row || a.column.localeCompare(b.column));
  return plan;
}

export interface ImportResult {
  plan: ImportPlan;
  written: number;
  /** Position of the last task written, for waitFor. */
  position: string | null;
}

export interface ImportOptions {
  actor: Actor;
  now: string;
  dryRun?: boolean;
  correlationId?: string;
  onProgress?: (done: number, total: number) => void;
}

const CONCURRENCY = 32;

/**
 * Reads FILE (.xlsx or .csv), checks every row and, unless dryRun or any row is wrong, assigns
 * the tasks. Each task's event id derives from its id (clientMutationId `import:<id>`), so a run
 * cut short and run again writes the rest and never a task twice.
 */
export async function importTasks(app: App, file: string, options: ImportOptions): Promise<ImportResult> {
  const sheet = await readSheet(file);
  const plan = planImport(sheet, app.runner.views, { actor: options.actor, now: options.now, sourceName: basename(file) });
  const result: ImportResult = { plan, written: 0, position: null };
  if (options.dryRun || plan.errors.length > 0) return result;
  const ctx = (id: string): CommandContext => ({
    actor: options.actor, now: options.now, correlationId: options.correlationId ?? `import-${basename(file)}`, clientMutationId: `import:${id}`,
  });
  let done = 0;
  options.onProgress?.(0, plan.tasks.length);
  await mapPool(plan.tasks, CONCURRENCY, async (t) => {
    const r = await app.tasks.assign(t.input as unknown as Record<string, unknown>, ctx(t.id));
    if (result.position === null || app.store.comparePositions(r.position, result.position) > 0) result.position = r.position;
    if (!r.replayed) result.written++;
    options.onProgress?.(++done, plan.tasks.length);
  });
  if (result.position) await app.runner.waitFor(result.position, 60_000);
  return result;
}
