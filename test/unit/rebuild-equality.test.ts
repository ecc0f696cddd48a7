import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HISTORY_END_MS, HISTORY_START_MS } from '../../bench/workload.js';
import { decode } from '../../src/events.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { Views } from '../../src/runner/views.js';
import { dump } from '../support/views-dump.js';
import { workloadData } from '../support/workload-data.js';

/**
 * A rebuild (events read back without a second zod parse, delta snapshots, rows written once at the
 * end) gives the read model of a reference fold: every event decoded by zod and applied one by one.
 */
describe('rebuild equals a reference fold of the same events', () => {
  let dir: string;
  let store: SqliteEventStore;
  let reference: Views;

  beforeAll(async () => {
    dir = await workloadData('tiendo-rebuild-eq-', { events: 3000, seed: 7 });
    store = new SqliteEventStore(join(dir, 'events.db'));
    reference = new Views();
    for (let from = 'start'; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 500 });
      if (page.length === 0) break;
      for (const r of page) reference.apply(decode(r));
      from = page.at(-1)!.position;
    }
  }, 120_000);

  afterAll(async () => {
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the same views, after the rebuild and once reloaded from its rows', async () => {
    expect(reference.tasks.size).toBeGreaterThan(50);
    const file = join(dir, 'rebuilt.db');
    const rebuilt = new ProjectionRunner(store, file, undefined, undefined, { snapshotEvery: 89 });
    expect(await rebuilt.rebuild()).toBeGreaterThan(2900);
    expect(dump(rebuilt.views)).toEqual(dump(reference));
    await rebuilt.stop();
    const reloaded = new ProjectionRunner(store, file, undefined, undefined, { snapshotEvery: 89 });
    reloaded.start();
    await reloaded.ready;
    expect(dump(reloaded.views)).toEqual(dump(reference));
    await reloaded.stop();
  });

  it('writes the audit log and commitment changes the live runner wrote as the events came, fully decoded', async () => {
    const rebuilt = new ProjectionRunner(store, join(dir, 'rebuilt-2.db'));
    await rebuilt.rebuild();
    // The app's own read model, written flush by flush while the workload ran (a copy: this one only reads).
    for (const suffix of ['', '-wal']) if (existsSync(join(dir, `views.db${suffix}`))) copyFileSync(join(dir, `views.db${suffix}`), join(dir, `live.db${suffix}`));
    const copy = new Database(join(dir, 'live.db'), { readonly: true });
    const [last] = await store.readAll({ direction: 'backwards', maxCount: 1 });
    expect(copy.prepare("SELECT value FROM meta WHERE key = 'checkpoint'").get(), 'the live read model reached the last event').toEqual({ value: last!.position });
    copy.close();
    const live = new ProjectionRunner(store, join(dir, 'live.db'));
    live.start();
    await live.ready;
    expect(dump(rebuilt.views)).toEqual(dump(live.views));
    const from = new Date(HISTORY_START_MS).toISOString();
    const to = new Date(HISTORY_END_MS + 86_400_000).toISOString();
    const changes = await rebuilt.commitmentChanges(from, to);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes).toEqual(await live.commitmentChanges(from, to));
    const page = { first: 10_000 };
    const log = (await rebuilt.auditLog(page)).records;
    expect(log.length).toBeGreaterThan(2900);
    expect(log).toEqual((await live.auditLog(page)).records);
    // Filed under units (audit_units, loaded in bulk by the rebuild) and found by actor (an index made at its end).
    const province = [...reference.units.values()].find((u) => u.kind === 'PROVINCE')!.id;
    const byUnit = (await rebuilt.auditLog({ ...page, unitId: province })).records;
    expect(byUnit.length).toBeGreaterThan(10);
    expect(byUnit).toEqual((await live.auditLog({ ...page, unitId: province })).records);
    const actorId = log[log.length - 1]!.actor.id;
    expect((await rebuilt.auditLog({ ...page, actorId })).records).toEqual((await live.auditLog({ ...page, actorId })).records);
    await rebuilt.stop();
    await live.stop();
  });

  it('a start from nothing loads as a rebuild does, every event applied on the way; stopped halfway, it writes no checkpoint', async () => {
    const [last] = await store.readAll({ direction: 'backwards', maxCount: 1 });
    const file = join(dir, 'from-nothing.db');
    const halfway = new ProjectionRunner(store, file);
    let stopping: Promise<void> | undefined;
    let seen = 0;
    halfway.on('applied', () => {
      if (++seen === 1500) stopping = halfway.stop();
    });
    halfway.start();
    await vi.waitFor(() => expect(stopping).toBeDefined());
    await stopping;
    const meta = new Database(file, { readonly: true });
    expect(meta.prepare("SELECT key FROM meta WHERE key IN ('checkpoint', 'projectionVersion')").all()).toEqual([]);
    meta.close();
    const started = new ProjectionRunner(store, file);
    const applied: string[] = [];
    started.on('applied', (n) => applied.push(n.event.position));
    started.start();
    await started.ready;
    expect(applied.length).toBeGreaterThan(2900);
    expect(applied.at(-1)).toBe(last!.position);
    expect(new Set(applied).size).toBe(applied.length);
    expect(dump(started.views)).toEqual(dump(reference));
    const rebuilt = new ProjectionRunner(store, join(dir, 'rebuilt-3.db'));
    await rebuilt.rebuild();
    const from = new Date(HISTORY_START_MS).toISOString();
    const to = new Date(HISTORY_END_MS + 86_400_000).toISOString();
    expect(await started.commitmentChanges(from, to)).toEqual(await rebuilt.commitmentChanges(from, to));
    expect((await started.auditLog({ first: 10_000 })).records).toEqual((await rebuilt.auditLog({ first: 10_000 })).records);
    await started.stop();
    await rebuilt.stop();
    // What it wrote once caught up reloads to the same views.
    const reloaded = new ProjectionRunner(store, file);
    reloaded.start();
    await reloaded.ready;
    expect(dump(reloaded.views)).toEqual(dump(reference));
    await reloaded.stop();
  });

  it('a live runner folding in a worker thread (TIENDO_RUNNER_WORKER) holds the same views, commitment changes and audit log', async () => {
    const inThread = new ProjectionRunner(store, join(dir, 'in-thread.db'));
    inThread.start();
    await inThread.ready;
    const worker = new ProjectionRunner(store, join(dir, 'worker.db'), undefined, undefined, { worker: true, snapshotEvery: 97 });
    worker.start();
    await worker.ready;
    expect(dump(worker.views)).toEqual(dump(reference));
    const from = new Date(HISTORY_START_MS).toISOString();
    const to = new Date(HISTORY_END_MS + 86_400_000).toISOString();
    expect(await worker.commitmentChanges(from, to)).toEqual(await inThread.commitmentChanges(from, to));
    const log = await worker.auditLog({ first: 10_000 });
    expect(log.records.length).toBeGreaterThan(2900);
    expect(log.records).toEqual((await inThread.auditLog({ first: 10_000 })).records);
    expect(await log.count()).toBe(log.records.length);
    // asOf on this thread, from the snapshots the worker wrote.
    const mid = new Date((HISTORY_START_MS + HISTORY_END_MS) / 2).toISOString();
    expect(dump(await worker.asOf(mid))).toEqual(dump(await inThread.asOf(mid)));
    await worker.stop();
    await inThread.stop();
    // What the worker wrote reloads to the same views.
    const reloaded = new ProjectionRunner(store, join(dir, 'worker.db'));
    reloaded.start();
    await reloaded.ready;
    expect(dump(reloaded.views)).toEqual(dump(reference));
    await reloaded.stop();
  });

  it('rebuilds a read model whose audit log is of the shape before PROJECTION_VERSION 9 (a JSON copy per event)', async () => {
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('projectionVersion', '8');
      CREATE TABLE audit (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor_id TEXT NOT NULL, action TEXT NOT NULL, task_id TEXT, json TEXT NOT NULL);
      CREATE INDEX audit_actor ON audit (actor_id, seq);
      CREATE TABLE audit_units (unit TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (unit, seq)) WITHOUT ROWID;
      CREATE TABLE audit_streams (stream TEXT PRIMARY KEY, units TEXT NOT NULL) WITHOUT ROWID;`);
    old.close();
    const upgraded = new ProjectionRunner(store, file);
    upgraded.start();
    await upgraded.ready;
    const log = (await upgraded.auditLog({ first: 10_000 })).records;
    expect(log.length).toBeGreaterThan(2900);
    expect(log.map((r) => r.seq)).toEqual(log.map((_, i) => i + 1));
    await upgraded.stop();
  });
});
