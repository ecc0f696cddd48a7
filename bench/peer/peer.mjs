// The peer of the tiendo bench: @event-driven-io/emmett-sqlite 0.42.4 (with @event-driven-io/emmett
// 0.42.0 and sqlite3 5), installed in this folder only (`npm install --prefix bench/peer …`), never a
// dependency of tiendo. Plain JavaScript so that tiendo's type check never needs the peer installed.
//
//   node bench/peer/peer.mjs '{"sampleFile": "...", "dir": "...", "singleCount": 1000, "variant": "default"}'
//
// variant "default": getSQLiteEventStore({ fileName }) as its README shows it — a connection per
// operation; "shared": one ambient connection for every operation (connectionOptions.singleton),
// the configuration in which it stands 64 concurrent appenders.
//
// Appends the sample (JSON lines: stream, type, data, metadata — events of tiendo's workload) to a
// fresh emmett-sqlite store one at a time, then to another fresh store by 64 concurrent appenders
// (one stream each at a time, in order, with the expected stream version, as tiendo's appenders
// do), then reads back what was written, stream by stream and as the whole log. Prints
// `@@RESULT <json>`; a failure is recorded, not thrown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const args = JSON.parse(process.argv[2] ?? '{}');
const result = { variant: args.variant ?? 'default', package: {}, single: null, concurrent: null, readBack: null, error: null, stage: 'start' };
const finish = () => {
  process.stdout.write(`\n@@RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
};
// sqlite3 reports SQLITE_BUSY as an 'error' event on a Statement nobody listens to: an uncaught
// exception. It is the peer's outcome, recorded as such (with the stage it happened in).
process.on('uncaughtException', (error) => {
  result.error = `${result.stage}: ${String(error?.message ?? error)}`;
  finish();
});

function figure(events, ms, latencies) {
  const f = { events, seconds: Math.round(ms) / 1000, perSecond: Math.round(events / (ms / 1000)) };
  if (latencies?.length) {
    latencies.sort((a, b) => a - b);
    const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) / 100;
    f.p50Ms = at(0.5);
    f.p99Ms = at(0.99);
  }
  return f;
}

function open(emmett, file) {
  if (args.variant !== 'shared') return { store: emmett.getSQLiteEventStore({ fileName: file, schema: { autoMigration: 'CreateOrUpdate' } }), connection: null };
  const connection = emmett.sqliteConnection({ fileName: file });
  const store = emmett.getSQLiteEventStore({ fileName: file, schema: { autoMigration: 'CreateOrUpdate' }, connectionOptions: { singleton: true, connection } });
  return { store, connection };
}

async function appenders(emmett, file, sample, count) {
  const { store, connection } = open(emmett, file);
  const streams = new Map();
  for (const e of sample) {
    if (!streams.has(e.stream)) streams.set(e.stream, []);
    streams.get(e.stream).push(e);
  }
  const latencies = [];
  let failed = 0;
  let firstError = null;
  let cut = false;
  const t0 = performance.now();
  // A run that stalls (the default set-up retries SQLITE_BUSY for seconds at a time) is cut short.
  const deadline = t0 + (args.deadlineMs ?? 120_000);
  const late = () => {
    if (performance.now() < deadline) return false;
    cut = true;
    return true;
  };
  const append = async (e, version) => {
    const t = performance.now();
    await store.appendToStream(e.stream, [{ type: e.type, data: e.data, metadata: e.metadata }], { expectedStreamVersion: BigInt(version) });
    latencies.push(performance.now() - t);
  };
  if (count === 1) {
    const versions = new Map();
    for (const e of sample) {
      if (late()) break;
      const v = versions.get(e.stream) ?? 0;
      try {
        await append(e, v);
        versions.set(e.stream, v + 1);
      } catch (error) {
        failed++;
        firstError ??= String(error?.message ?? error);
      }
    }
  } else {
    const chains = [...streams.values()];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(count, chains.length) }, async () => {
      while (next < chains.length && !late()) {
        const chain = chains[next++];
        for (let v = 0; v < chain.length && !late(); v++) {
          try {
            await append(chain[v], v);
          } catch (error) {
            failed++;
            firstError ??= String(error?.message ?? error);
            break; // the rest of this stream would conflict
          }
        }
      }
    }));
  }
  const ms = performance.now() - t0;
  return { store, connection, streams: [...streams.keys()], result: { events: latencies.length, failed, firstError, cut, figure: figure(latencies.length, ms, latencies) } };
}

try {
  const emmett = await import('@event-driven-io/emmett-sqlite');
  for (const name of ['@event-driven-io/emmett-sqlite', '@event-driven-io/emmett', 'sqlite3']) {
    result.package[name] = JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  }
  const sample = readFileSync(args.sampleFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  result.stage = `appending ${Math.min(args.singleCount, sample.length)} events one at a time`;
  const single = await appenders(emmett, join(args.dir, `peer-${result.variant}-single.db`), sample.slice(0, args.singleCount), 1);
  result.single = single.result;
  await single.store.close?.();
  single.connection?.close();
  result.stage = `appending ${sample.length} events by 64 concurrent appenders`;
  const concurrent = await appenders(emmett, join(args.dir, `peer-${result.variant}-concurrent.db`), sample, 64);
  result.concurrent = concurrent.result;
  result.stage = 'reading back';
  // Read back what the concurrent run wrote: stream by stream, then the whole log in global order.
  let n = 0;
  let t0 = performance.now();
  for (const s of concurrent.streams) n += (await concurrent.store.readStream(s)).events.length;
  const byStream = figure(n, performance.now() - t0);
  await concurrent.store.close?.();
  concurrent.connection?.close();
  const connection = emmett.sqliteConnection({ fileName: join(args.dir, `peer-${result.variant}-concurrent.db`) });
  n = 0;
  t0 = performance.now();
  for (let after = 0n; ;) {
    const batch = await emmett.readMessagesBatch(connection, { after, batchSize: 1000 });
    if (batch.messages.length === 0) break;
    n += batch.messages.length;
    after = batch.currentGlobalPosition;
    if (!batch.areEventsLeft) break;
  }
  const all = figure(n, performance.now() - t0);
  connection.close();
  result.readBack = { byStream, all };
  result.stage = 'done';
} catch (error) {
  result.error = `${result.stage}: ${String(error?.stack ?? error)}`;
}
finish();
