/**
 * The command path's steady state on existing data, profiled: opens the app on DIR (a copy: a run
 * appends to it), warms every stream with one 64-client segment, then measures a second N-event
 * 64-client segment and prints the store's group commits, the read model's flushes and
 * { perSecond, cpu (ms/event, the whole process), p50, p99, vis (append → visible) }. With PROFILE
 * it writes a CPU profile of only the measured segment (read it with bench/cpuprofile.mjs).
 *   node --import tsx bench/seg-prof.ts DIR [N=20000] [PROFILE]
 * Knobs for experiments: NOCKPT=1 (wal_autocheckpoint off on both files, this thread's connections),
 * CACHE=KiB (cache_size); TIENDO_VIEWS_WRITER_THREAD=0 (the read model written on the event loop).
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { createApp } from '../src/app/app.js';
import { tuneHeap } from '../src/ops/heap-growth.js';
import { benchConfig, segment } from './generate.js';
const dir = process.argv[2]!;
const n = Number(process.argv[3] ?? 20000);
const out = process.argv[4];
const config = benchConfig(dir);
tuneHeap(config); // the server's V8 settings, as bench/generate.ts
const app = await createApp(config, pino({ level: 'warn' }));
app.runner.start();
await app.runner.ready;
if (process.env.NOCKPT) { (app.store as any).database.pragma('wal_autocheckpoint = 0'); (app.runner as any).model.db.pragma('wal_autocheckpoint = 0'); }
if (process.env.CACHE) { (app.store as any).database.pragma(`cache_size = -${process.env.CACHE}`); (app.runner as any).model.db.pragma(`cache_size = -${process.env.CACHE}`); }
const warm = await segment(app, 64, n, 10_000_000);
const s = new Session(); s.connect();
if (out) { await s.post('Profiler.enable'); await s.post('Profiler.start'); }
const st = app.store as any; let flushes = 0, sizes = 0; const of = st.flush.bind(st); st.flush = () => { flushes++; sizes += st.queue.length; of(); };
const rm = (app.runner as any).model; let rmf = 0; const orf = rm.flush.bind(rm); rm.flush = () => { rmf++; orf(); };
const r = await segment(app, 64, n, 20_000_000);
console.log({ flushes, avgBatch: sizes / flushes, readModelFlushes: rmf });
if (out) { const { profile } = await s.post('Profiler.stop'); writeFileSync(out, JSON.stringify(profile)); }
console.log(JSON.stringify({ warm: warm.perSecond, perSecond: r.perSecond, cpu: r.cpuMsPerEvent, p50: r.p50Ms, p99: r.p99Ms, vis: r.visible }));
await app.close();
