/**
 * `npm run bench:summary -- [--runs 3] [--events 1000000] [--out FILE]`: the last N full runs of
 * `npm run bench` (bench/results/<date>.json, written by bench/run.ts) side by side, bar by bar:
 * every run's figure, the median, and whether the bar is met — the median meets it AND no run
 * misses it by more than 10 % (the machine is shared and noisy: one run is not a verdict).
 * Prints a Markdown table (the one bench/README.md shows) and writes it to --out when given.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { barLabel } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    events: { type: 'string', default: '1000000' },
    dir: { type: 'string', default: join(here, 'results') },
    out: { type: 'string' },
  },
});

/** A bar as bench/run.ts writes it: `lower` (the figure must be at most the goal), `strict` (above it, not equal). */
interface Bar { what: string; bar: string; figure: string; value: number | null; goal: number; lower: boolean; strict: boolean; detail: string; pass: boolean | null }
interface Run { date: string; options: { events: number }; bars: Bar[]; file: string }

/** How far a run may miss a bar and still count, as a share of the goal. */
const TOLERANCE = 0.1;

/** Whether `value` meets the bar, or misses it by no more than `slack` (a share of the goal). */
function meets(b: Bar, value: number, slack = 0): boolean {
  if (b.lower) return value <= b.goal * (1 + slack);
  return b.strict && slack === 0 ? value > b.goal : value >= b.goal * (1 - slack);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The bar's own name with the run's figures taken out (e.g. "at a fixed 3400 req/s"), so runs line up. */
const key = (what: string) => what.replace(/\d[\d,.]*/g, '#');

function show(b: Bar, v: number): string {
  if (b.bar.includes('%')) return `${(v * 100).toFixed(1)} %`;
  if (b.bar.includes('GiB')) return `${Math.round(v / 1024 / 1024)} MiB`;
  if (b.bar === '≤ 1 s' || b.bar.includes('ms')) return `${Math.round(v * 10) / 10} ms`;
  return `${v.toFixed(2)} ×`;
}

const wanted = Number(values.events);
const runs: Run[] = readdirSync(values.dir!)
  .filter((f) => /^\d{4}-\d\d-\d\dT[\d-]+Z\.json$/.test(f))
  .sort()
  .map((f) => ({ ...(JSON.parse(readFileSync(join(values.dir!, f), 'utf8')) as Omit<Run, 'file'>), file: f }))
  .filter((r) => r.options?.events === wanted && Array.isArray(r.bars))
  .slice(-Number(values.runs));
if (runs.length === 0) {
  console.error(`no runs of ${wanted} events in ${values.dir} (bench/run.ts writes <date>.json there)`);
  process.exit(1);
}

const header = `| bar | goal | ${runs.map((r) => r.date.slice(0, 16).replace('T', ' ')).join(' | ')} | median | met |`;
const lines = [header, `|${' --- |'.repeat(runs.length + 4)}`];
let met = 0;
const names = [...new Map(runs.flatMap((r) => r.bars.map((b) => [key(b.what), b] as const))).values()];
for (const first of names) {
  const per = runs.map((r) => r.bars.find((b) => key(b.what) === key(first.what)));
  const figures = per.filter((b): b is Bar => b !== undefined && b.value !== null).map((b) => b.value!);
  let verdict = 'n/a';
  let mid = '—';
  if (figures.length === runs.length) {
    const m = median(figures);
    mid = show(first, m);
    const ok = meets(first, m) && figures.every((v) => meets(first, v, TOLERANCE));
    verdict = ok ? 'met' : '**missed**';
    if (ok) met++;
  }
  lines.push(`| ${barLabel(per.filter((b): b is Bar => b !== undefined).map((b) => b.what))} | ${first.bar} | ${per.map((b) => (b?.value == null ? '—' : show(b, b.value))).join(' | ')} | ${mid} | ${verdict} |`);
}
const text = `${lines.join('\n')}\n\n${met} of ${names.length} bars met over ${runs.length} runs of ${wanted} events (${runs.map((r) => r.file).join(', ')}): `
  + `the median meets the bar and no run misses it by more than ${TOLERANCE * 100} %.\n`;
console.log(text);
if (values.out) writeFileSync(values.out, text);
