/**
 * Phase 1 of the bench, in its own process (so that its peak RSS is its own): generate the
 * national workload through the command path into a data directory, then measure steady-state
 * appends (1 client, then 64) with the projection runner live, and for each of them how long the
 * event takes to be visible in the read model.
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { type App, createApp } from '../src/app/app.js';
import { tuneHeap } from '../src/ops/heap-growth.js';
import { Config } from '../src/config.js';
import { type Figure, figure, memory, quantile } from './lib.js';
import { type Command, HISTORY_END_MS, type RunResult, pool, runOne, runWorkload } from './workload.js';

export interface SegmentResult extends Figure {
  clients: number;
  /** Store positions the segment wrote: (fromPosition, toPosition]. */
  fromPosition: number;
  toPosition: number;
  /** From a command's acknowledgement (durable) to the read model showing it, ms. */
  visible: { p50Ms: number; p99Ms: number; maxMs: number };
  /** From sending a command to the read model showing it, ms. */
  endToEnd: { p50Ms: number; p99Ms: number };
  /** CPU time of the process per event (user + system), ms. */
  cpuMsPerEvent: number;
}

export interface GenerateResult {
  run: Omit<RunResult, 'latencies'> & { figure: Figure };
  single: SegmentResult;
  concurrent: SegmentResult;
  views: { units: number; tasks: number; obstacles: number; inspections: number; reports: number };
  /** What the HTTP phase asks about: tasks (some still open, for mutations) and the province with most communes. */
  sample: { tasks: string[]; openTasks: { id: string; indicators: string[] }[]; province: string; provinceTasks: number };
  memory: { peakRssBytes: number | null; heapUsedBytes: number };
}

export const benchConfig = (dataDir: string) => Config.parse({
  TIENDO_DATA: dataDir, TIENDO_DEMO: '0', TIENDO_AUTH_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789', LOG_LEVEL: 'warn',
  // The settings passed through from the bench's environment (bench/README.md): the servers it starts get all of it.
  TIENDO_RUNNER_WORKER: process.env.TIENDO_RUNNER_WORKER,
  TIENDO_VIEWS_WRITER_THREAD: process.env.TIENDO_VIEWS_WRITER_THREAD,
  TIENDO_STORE_CHECKPOINT_THREAD: process.env.TIENDO_STORE_CHECKPOINT_THREAD,
  TIENDO_STORE_WRITER_THREAD: process.env.TIENDO_STORE_WRITER_THREAD,
});

const head = async (app: App) => Number((await app.store.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position ?? 0);

/**
 * `count` progress reports on the tasks still open, `clients` at a time, recorded just after the
 * history; each timed to its acknowledgement and then to the read model showing it.
 */
export async function segment(app: App, clients: number, count: number, offsetMs: number): Promise<SegmentResult> {
  const open = [...app.runner.views.tasks.values()].filter((t) => t.phase === 'OPEN').sort((a, b) => (a.id < b.id ? -1 : 1));
  if (open.length === 0) throw new Error('no open task to report progress on');
  const commands: Command[] = Array.from({ length: count }, (_, i) => {
    const t = open[(i * 7919) % open.length]!;
    return {
      kind: 'reportProgress', stream: `task-${t.id}`, at: HISTORY_END_MS + offsetMs + i * 1000, events: 1,
      actor: { id: `bench-focal-${t.leadUnitId}`, role: 'focal_point', unit: t.leadUnitId },
      input: {
        taskId: t.id, percent: Math.min(100, (t.progress ?? 0) + 1),
        indicators: t.indicators.filter((x) => x.target !== null).map((x) => ({ code: x.code, value: Math.round((x.target ?? 0) * 0.9) })),
        note: 'Cập nhật tiến độ trong tuần: hoàn thành rà soát dữ liệu, đang đối chiếu với cơ sở dữ liệu chuyên ngành',
      },
    };
  });
  const from = await head(app);
  const acks: number[] = [];
  const visible: number[] = [];
  const endToEnd: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(commands, clients, async (c) => {
    const t = performance.now();
    const { position } = await runOne(app, c, 'bench-segment');
    const ack = performance.now();
    await app.runner.waitFor(position, 60_000);
    const seen = performance.now();
    acks.push(ack - t);
    visible.push(seen - ack);
    endToEnd.push(seen - t);
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  visible.sort((a, b) => a - b);
  endToEnd.sort((a, b) => a - b);
  return {
    clients, ...figure(count, ms, acks), fromPosition: from, toPosition: await head(app),
    visible: { p50Ms: quantile(visible, 0.5), p99Ms: quantile(visible, 0.99), maxMs: quantile(visible, 1) },
    endToEnd: { p50Ms: quantile(endToEnd, 0.5), p99Ms: quantile(endToEnd, 0.99) },
    cpuMsPerEvent: Math.round(((cpu.user + cpu.system) / 1000 / count) * 1000) / 1000,
  };
}

export async function generate(opts: { dataDir: string; events: number; seed: number; concurrency: number; single: number; concurrent: number; log?: (line: string) => void }): Promise<GenerateResult> {
  const config = benchConfig(opts.dataDir);
  // The server's V8 settings: this process measures the server's command path.
  tuneHeap(config);
  const app = await createApp(config, pino({ level: 'warn' }));
  app.runner.start();
  await app.runner.ready;
  let lastLog = 0;
  const run = await runWorkload(app, {
    events: opts.events, seed: opts.seed, concurrency: opts.concurrency,
    onStep: (s) => {
      const now = performance.now();
      if (opts.log && (now - lastLog > 5000 || s.done >= s.planned)) {
        lastLog = now;
        opts.log(`  generate: ${s.label.padEnd(24)} ${s.done} / ~${s.planned} events, ${(s.ms / 1000).toFixed(1)} s, ${Math.round(s.done / (s.ms / 1000))} events/s`);
      }
    },
  });
  const { latencies, ...rest } = run;
  opts.log?.(`  generate: done, ${run.events} events by ${run.commands} commands in ${(run.ms / 1000).toFixed(1)} s; measuring steady appends`);
  const single = await segment(app, 1, opts.single, 0);
  const concurrent = await segment(app, opts.concurrency, opts.concurrent, opts.single * 1000 + 60_000);
  const v = app.runner.views;
  const views = { units: v.units.size, tasks: v.tasks.size, obstacles: v.obstacles.size, inspections: v.inspections.size, reports: v.reports.size };
  const every = (n: number, xs: string[]) => xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
  const ids = [...v.tasks.keys()].sort();
  const open = new Set([...v.tasks.values()].filter((t) => t.phase === 'OPEN').map((t) => t.id));
  const provinces = [...v.units.values()].filter((u) => u.kind === 'PROVINCE')
    .map((u) => ({ id: u.id, tasks: v.subtree(u.id).reduce((n, x) => n + (v.tasksByLead.get(x)?.size ?? 0), 0) }))
    .sort((a, b) => b.tasks - a.tasks || (a.id < b.id ? -1 : 1));
  const sample = {
    tasks: every(2000, ids),
    openTasks: every(2000, ids.filter((id) => open.has(id))).map((id) => ({ id, indicators: v.tasks.get(id)!.indicators.map((i) => i.code) })),
    province: provinces[0]!.id, provinceTasks: provinces[0]!.tasks,
  };
  const heapUsedBytes = process.memoryUsage().heapUsed;
  await app.close();
  return {
    run: { ...rest, figure: figure(run.events, run.ms, latencies) }, single, concurrent, views, sample,
    memory: { peakRssBytes: memory().peakRssBytes, heapUsedBytes },
  };
}
