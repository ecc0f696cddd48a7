import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_END_MS, HISTORY_START_MS } from '../../bench/workload.js';
import { decodeOwn, encode } from '../../src/events.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ReadModel } from '../../src/runner/read-model.js';
import { rebuild } from '../../src/runner/rebuild.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { capturedLog } from '../support/captured-log.js';
import { dump } from '../support/views-dump.js';
import { workloadData } from '../support/workload-data.js';

/** Every snapshot of a read model file, its rows decompressed. */
function snapshotsOf(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], { seq: number; base: number; position: string; last_occurred_at: string; rows: Buffer }>(
      'SELECT seq, base, position, last_occurred_at, rows FROM snapshots ORDER BY seq').all()
      .map((s) => ({ ...s, rows: inflateRawSync(s.rows).toString() }));
  } finally {
    db.close();
  }
}

/**
 * A rebuild's snapshots taken by a thread of their own (src/runner/rebuild-snapshots.ts) are the
 * snapshots the rebuild's own thread takes; a thread that fails leaves a whole read model.
 */
describe('rebuild with a snapshot thread', () => {
  let dir: string;
  let store: SqliteEventStore;
  const instants: string[] = [];

  beforeAll(async () => {
    dir = await workloadData('tiendo-rebuild-thread-', { events: 2000, seed: 5 });
    store = new SqliteEventStore(join(dir, 'events.db'));
    for (let i = 0; i <= 12; i++) instants.push(new Date(HISTORY_START_MS + ((HISTORY_END_MS - HISTORY_START_MS) * i) / 12).toISOString());
  }, 120_000);

  afterAll(async () => {
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the snapshots a rebuild in one thread writes, and leaves no file of its own behind', async () => {
    const inOne = new ProjectionRunner(store, join(dir, 'one.db'), undefined, undefined, { snapshotEvery: 97, snapshotThread: false });
    await inOne.rebuild();
    await inOne.stop();
    const file = join(dir, 'two.db');
    const inTwo = new ProjectionRunner(store, file, undefined, undefined, { snapshotEvery: 97 });
    const rebuilt = await inTwo.rebuild();
    expect(existsSync(`${file}.rebuild-snapshots`)).toBe(false);
    const one = snapshotsOf(join(dir, 'one.db'));
    expect(one.length).toBeGreaterThan(15);
    // Full ones and deltas alike, byte for byte once decompressed.
    expect(one.some((s) => s.seq !== s.base)).toBe(true);
    expect(snapshotsOf(file)).toEqual(one);
    // Live after the rebuild, 150 events later: the next snapshot is a full one (rows changed since the last are in no delta).
    const rebuiltUpTo = inTwo.views.position;
    const task = [...inTwo.views.tasks.values()].find((t) => t.phase === 'OPEN')!;
    for (let i = 0; i < 150; i++) {
      const [head] = await store.readStream(`task-${task.id}`, { direction: 'backwards', maxCount: 1 });
      await store.append(`task-${task.id}`, [encode(
        { type: 'ProgressReported', data: { taskId: task.id, percent: i % 100, indicators: [], note: `sau khi dựng lại ${i}` }, reason: 'cập nhật' },
        { actor: { id: 'probe', role: 'leader', unit: 'GOV' }, occurredAt: new Date(HISTORY_END_MS + (i + 1) * 60_000).toISOString(), correlationId: `probe-${i}`, causationId: null },
      )], head!.revision);
    }
    inTwo.start();
    await inTwo.ready;
    const after = snapshotsOf(file).filter((s) => s.seq > one.at(-1)!.seq);
    expect(after.length).toBeGreaterThan(0);
    // Unless the rebuild ended on a snapshot: then a delta builds on it.
    expect(after[0]!.base).toBe(one.at(-1)!.seq < rebuilt ? after[0]!.seq : one.at(-1)!.base);
    expect(inTwo.views.position).not.toBe(rebuiltUpTo);
    const reference = new ProjectionRunner(store, ':memory:', undefined, undefined, { snapshotEvery: Infinity });
    await reference.rebuild();
    const later = Array.from({ length: 6 }, (_, i) => new Date(HISTORY_END_MS + (i * 30 + 1) * 60_000).toISOString());
    for (const at of [...instants, ...later]) expect(dump(await inTwo.asOf(at)), `asOf ${at}`).toEqual(dump(await reference.asOf(at)));
    await inTwo.stop();
    await reference.stop();
  }, 120_000);

  it('a thread that fails leaves the rebuilt read model whole, asOf answering by replay, and says so in the log', async () => {
    const file = join(dir, 'failed.db');
    // Where the thread would open its file: it cannot.
    mkdirSync(`${file}.rebuild-snapshots`);
    const { logger, lines } = capturedLog();
    const runner = new ProjectionRunner(store, file, logger, undefined, { snapshotEvery: 97 });
    expect(await runner.rebuild()).toBeGreaterThan(1900);
    expect(lines.some((l) => l.level >= 50 && l.msg.startsWith('snapshots of the rebuild not all taken'))).toBe(true);
    const reference = new ProjectionRunner(store, ':memory:', undefined, undefined, { snapshotEvery: Infinity });
    await reference.rebuild();
    expect(dump(runner.views)).toEqual(dump(reference.views));
    expect(snapshotsOf(file)).toEqual([]);
    for (const at of instants.slice(0, 4)) expect(dump(await runner.asOf(at)), `asOf ${at}`).toEqual(dump(await reference.asOf(at)));
    await runner.stop();
    await reference.stop();
  }, 120_000);

  it('folds up to the position it is told to stop at', async () => {
    const all = await store.readAll({ maxCount: 700 });
    const until = all[699]!.position;
    const model = new ReadModel(':memory:', decodeOwn, undefined, { follower: true, auditLog: false });
    expect(await rebuild(model, null, store, { until })).toBe(700);
    expect(model.views.position).toBe(until);
    expect(model.seq).toBe(700);
    model.close();
  });
});
