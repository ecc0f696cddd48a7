import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_END_MS, HISTORY_START_MS, planWorkload } from '../../bench/workload.js';
import { decodeOwn } from '../../src/events.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ReadModel } from '../../src/runner/read-model.js';
import { partitionOf, planPartitions, rebuildPartitioned } from '../../src/runner/rebuild-partitioned.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { Snapshots } from '../../src/runner/snapshots.js';
import { capturedLog } from '../support/captured-log.js';
import { dump } from '../support/views-dump.js';
import { workloadData } from '../support/workload-data.js';

/** What a read model file holds but its audit log: every table in one order, snapshots decompressed, their lines sorted. */
function tablesOf(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      rows: db.prepare('SELECT kind, id, json FROM rows ORDER BY kind, id').all(),
      commitments: db.prepare('SELECT seq, task_id, revision, at, json FROM commitments ORDER BY seq').all(),
      blocks: db.prepare('SELECT last_seq, after_position, last_position, min_occurred_at FROM blocks ORDER BY last_seq').all(),
      meta: db.prepare('SELECT key, value FROM meta ORDER BY key').all(),
      // A partitioned snapshot puts each partition's lines after the one before's: the same lines, in another order.
      snapshots: db.prepare<[], { seq: number; base: number; position: string; last_occurred_at: string; rows: Buffer }>(
        'SELECT seq, base, position, last_occurred_at, rows FROM snapshots ORDER BY seq').all()
        .map((s) => ({ ...s, rows: inflateRawSync(s.rows).toString().split('\n').filter((l) => l !== '').sort() })),
    };
  } finally {
    db.close();
  }
}

const logged = () => capturedLog<{ reason?: string; byPartition?: number[] }>();

/**
 * TIENDO_REBUILD_PARTITIONS (src/runner/rebuild-partitioned.ts): a rebuild folded by stream over
 * threads writes the read model a rebuild in one thread writes, snapshots included, and is taken
 * only where it can be.
 */
describe('a rebuild partitioned by stream', () => {
  let dir: string;
  let store: SqliteEventStore;
  let reference: ProjectionRunner;
  let events: number;
  const instants: string[] = [];

  beforeAll(async () => {
    dir = await workloadData('tiendo-partitioned-', { events: 2000, seed: 7 });
    store = new SqliteEventStore(join(dir, 'events.db'));
    reference = new ProjectionRunner(store, join(dir, 'reference.db'), undefined, undefined, { snapshotEvery: 97 });
    events = await reference.rebuild();
    for (let i = 0; i <= 12; i++) instants.push(new Date(HISTORY_START_MS + ((HISTORY_END_MS - HISTORY_START_MS) * i) / 12).toISOString());
  }, 120_000);

  afterAll(async () => {
    await reference?.stop();
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the app's read model, whose audit log reaches the store's last event: what its WAL holds included. */
  function keptCopy(name: string): string {
    const file = join(dir, name);
    const views = new Database(join(dir, 'views.db'), { readonly: true });
    views.exec(`VACUUM INTO '${file}'`);
    views.close();
    return file;
  }

  it('writes the read model of a rebuild in one thread: rows, commitment changes, blocks, checkpoint, snapshots, asOf and the audit log', async () => {
    const file = keptCopy('partitioned.db');
    const { logger, lines } = logged();
    const runner = new ProjectionRunner(store, file, logger, undefined, { snapshotEvery: 97, keepAuditLog: true, rebuildPartitions: 2 });
    const progress: number[] = [];
    expect(await runner.rebuild((done) => progress.push(done))).toBe(events);
    expect(progress.at(-1)).toBe(events);
    const done = lines.find((l) => l.msg === 'rebuild partitioned')!;
    expect(done, JSON.stringify(lines)).toBeDefined();
    // Both partitions folded a share: the streams were split, not all in one.
    expect(done.byPartition!.length).toBe(2);
    for (const n of done.byPartition!) expect(n).toBeGreaterThan(events / 5);
    expect(done.byPartition!.reduce((a, b) => a + b)).toBe(events);
    expect(runner.keptAuditEvents).toBe(events);

    expect(dump(runner.views)).toEqual(dump(reference.views));
    await runner.stop();
    const rebuilt = tablesOf(file);
    const one = tablesOf(join(dir, 'reference.db'));
    expect(rebuilt.snapshots.length).toBeGreaterThan(15);
    expect(rebuilt.snapshots.some((s) => s.seq !== s.base)).toBe(true);
    expect(rebuilt.commitments.length).toBeGreaterThan(50);
    expect(rebuilt).toEqual(one);

    const reopened = new ProjectionRunner(store, file, undefined, undefined, { snapshotEvery: 97 });
    reopened.start();
    await reopened.ready;
    expect(dump(reopened.views)).toEqual(dump(reference.views));
    for (const at of instants) expect(dump(await reopened.asOf(at)), `asOf ${at}`).toEqual(dump(await reference.asOf(at)));
    const page = { first: 10_000 };
    const log = (await reopened.auditLog(page)).records;
    expect(log.length).toBe(events);
    expect(log).toEqual((await reference.auditLog(page)).records);
    await reopened.stop();
  }, 120_000);

  it('folds in one thread, saying why, when the audit log is filed anew', async () => {
    const { logger, lines } = logged();
    const runner = new ProjectionRunner(store, keptCopy('not-kept.db'), logger, undefined, { snapshotEvery: 97, rebuildPartitions: 2 });
    expect(await runner.rebuild()).toBe(events);
    expect(lines.find((l) => l.msg === 'rebuild not partitioned')?.reason).toMatch(/audit log is not kept/);
    expect(lines.some((l) => l.msg === 'rebuild partitioned')).toBe(false);
    expect(dump(runner.views)).toEqual(dump(reference.views));
    await runner.stop();
  }, 120_000);

  it('is planned only on a store whose positions number its events, with the audit log kept up to its last event', () => {
    const kept = new ReadModel(keptCopy('plan.db'), decodeOwn, undefined, { keepAuditLog: true });
    const log = kept.keptAuditLog();
    kept.close();
    expect(log?.seq).toBe(events);
    expect(planPartitions(join(dir, 'events.db'), 2, log)).toEqual({ eventsFile: join(dir, 'events.db'), parts: 2, until: events });
    expect(planPartitions(join(dir, 'events.db'), 2, null)).toMatch(/audit log is not kept/);
    expect(planPartitions(join(dir, 'events.db'), 2, { ...log!, seq: events - 1 })).toMatch(/audit log is not kept/);
    expect(planPartitions(join(dir, 'events.db'), 2, { ...log!, revision: log!.revision + 1 })).toMatch(/audit log is not kept/);
    const gap = join(dir, 'gap.db');
    const db = new Database(join(dir, 'events.db'), { readonly: true });
    db.exec(`VACUUM INTO '${gap}'`);
    db.close();
    const edited = new Database(gap);
    edited.exec('DELETE FROM events WHERE position = 5');
    edited.close();
    expect(planPartitions(gap, 2, { ...log!, seq: events - 1 })).toMatch(/positions are not/);
  });

  it('splits the national workload\'s events evenly, streams whole', () => {
    // Task ids there end in unit codes (DA06-05/79/26734): a split by their last characters was 1.2-1.4 x the mean.
    const { steps } = planWorkload(100_000, 6);
    const perStream = new Map<string, number>();
    for (const step of steps()) for (const c of step.commands) perStream.set(c.stream, (perStream.get(c.stream) ?? 0) + 1);
    expect(perStream.size).toBeGreaterThan(5000);
    for (const parts of [2, 3, 4]) {
      const counts = new Array<number>(parts).fill(0);
      for (const [stream, n] of perStream) counts[partitionOf(stream, parts)]! += n;
      const mean = counts.reduce((a, b) => a + b) / parts;
      expect(Math.max(...counts) / mean, `${parts} partitions: ${counts.join(' / ')}`).toBeLessThan(1.03);
    }
  });

  it('fails, writing no checkpoint, when a partition cannot fold', async () => {
    const model = new ReadModel(join(dir, 'failing.db'), decodeOwn);
    const snapshots = new Snapshots(model, 97);
    await expect(rebuildPartitioned(model, snapshots, { eventsFile: join(dir, 'no-such-store.db'), parts: 2, until: events }))
      .rejects.toThrow(/partition \d of the rebuild failed/);
    expect(model.meta('checkpoint')).toBeUndefined();
    expect(model.restore()).toBe(false);
    model.close();
  }, 60_000);
});
