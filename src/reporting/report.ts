import { DateTime } from 'luxon';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { App } from '../app/app.js';
import { PERIOD_KINDS, type Period, type PeriodKind, parsePeriod } from '../periods/index.js';
import { ZONE } from '../shared/schemas.js';
import { type ReportContent, buildReportContent } from './content.js';
import { renderDocx } from './render-docx.js';
import { renderMarkdown } from './render-md.js';
import { renderPdf } from './render-pdf.js';

export type ReportFormat = 'docx' | 'md' | 'pdf';
export const REPORT_FORMATS: readonly ReportFormat[] = ['docx', 'md', 'pdf'];
const RENDERERS: Record<ReportFormat, (content: ReportContent) => string | Promise<Buffer>> = {
  docx: renderDocx, md: renderMarkdown, pdf: renderPdf,
};

const KEY_KINDS: [RegExp, PeriodKind][] = [
  [/^\d{4}-\d{2}-\d{2}$/, 'DAILY'], [/^\d{4}-W\d{2}$/, 'WEEKLY'], [/^\d{4}-\d{2}$/, 'MONTHLY'],
  [/^\d{4}-Q\d$/, 'QUARTERLY'], [/^\d{4}-H\d$/, 'HALF_YEARLY'], [/^\d{4}$/, 'ANNUAL'],
];

/** "2026-11" → the monthly period, "2026-Q4" → quarterly, "2026-H1", "2026", "2026-W46", "2026-11-14". */
export function periodOfKey(key: string, kind?: PeriodKind): Period {
  if (kind) return parsePeriod(kind, key);
  const found = KEY_KINDS.find(([re]) => re.test(key));
  if (!found) throw new Error(`"${key}" is not a period (YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY, YYYY-Www or YYYY-MM-DD; kinds ${PERIOD_KINDS.join(', ')})`);
  return parsePeriod(found[1], key);
}

export interface ReportRequest {
  period: Period;
  unitId: string;
  /** The instant the report is made. */
  now: string;
  /** The data cut-off; by default the end of the period's window, or now if that is later. */
  asOf?: string;
  title?: string;
}

/** Gathers the read model at the cut-off, the live one and the period's commitment changes, then builds the content. */
export async function makeReport(app: App, req: ReportRequest): Promise<ReportContent> {
  const windowStart = DateTime.fromISO(req.period.windowStart, { zone: ZONE }).toUTC().toISO()!;
  const windowEnd = DateTime.fromISO(req.period.windowEnd, { zone: ZONE }).endOf('day').toUTC().toISO()!;
  const at = req.asOf ?? (windowEnd < req.now ? windowEnd : req.now);
  const live = app.runner.views;
  if (!live.units.has(req.unitId)) throw new Error(`unit ${req.unitId} not found`);
  const views = await app.runner.asOf(at);
  const changes = (await app.runner.commitmentChanges(windowStart, windowEnd < at ? windowEnd : at)).map((r) => r.entry);
  return buildReportContent({
    views, live, unitId: req.unitId, period: req.period, at, generatedAt: req.now,
    dueSoonDays: app.config.TIENDO_DUE_SOON_DAYS, dueRules: app.config.TIENDO_REPORT_DUE_DAYS, changes,
    ...(req.title ? { title: req.title } : {}),
  });
}

/** Writes the report in each format into `outDir` (created if needed); returns the files written. */
export async function writeReport(content: ReportContent, formats: readonly ReportFormat[], outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const base = `bao-cao-${content.unitId}-${content.periodKey}`.replace(/[^\p{L}\p{N}_.-]+/gu, '_');
  const files: string[] = [];
  for (const format of formats) {
    const file = join(outDir, `${base}.${format}`);
    await writeFile(file, await RENDERERS[format](content));
    files.push(file);
  }
  return files;
}
