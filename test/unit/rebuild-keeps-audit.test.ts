import Database from 'better-sqlite3';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encode } from '../../src/events.js';
import type { RecordedEvent } from '../../src/eventstore/port.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { AuditTable } from '../../src/runner/audit-table.js';
import { AuditLogMismatchError } from '../../src/runner/read-model.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { capturedLog } from '../support/captured-log.js';
import { copyInto } from '../support/copy-events.js';
import { dump } from '../support/views-dump.js';
import { workloadData } from '../support/workload-data.js';

/**
 * TIENDO_REBUILD_KEEP_AUDIT: a rebuild, or a start after a projection change, keeps the audit log
 * when its own version (AUDIT_VERSION) is unchanged and files only the events after its checkpoint;
 * the views, and the log, are those of a rebuild from nothing.
 */
describe('a rebuild that keeps the audit log', () => {
  let dir: string;
  let all: RecordedEvent[];
  /** The events, two thirds of them followed by a runner whose read model is `kept.db`, then the rest. */
  let store: SqliteEventStore;
  let reference: ProjectionRunner;
  let twoThirds: number;
  const filed = vi.spyOn(AuditTable.prototype, 'add');

  beforeAll(async () => {
    dir = await workloadData('tiendo-keep-audit-', { events: 2500, seed: 13 }, async (app) => {
      all = await app.store.readAll({ maxCount: 100_000 });
    });
    store = new SqliteEventStore(join(dir, 'copy.db'));
    twoThirds = Math.floor((all.length * 2) / 3);
    await copyInto(store, all.slice(0, twoThirds));
    const live = new ProjectionRunner(store, join(dir, 'kept.db'));
    live.start();
    await live.ready;
    await live.stop();
    await copyInto(store, all.slice(twoThirds));
    reference = new ProjectionRunner(store, join(dir, 'reference.db'));
    await reference.rebuild();
    filed.mockClear();
  }, 120_000);

  afterEach(() => filed.mockClear());

  afterAll(async () => {
    await reference?.stop();
    await store?.dispose();
    filed.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of `kept.db` as `name`, its meta changed by `sql` (a projection change). */
  function keptCopy(name: string, sql: string): string {
    const file = join(dir, name);
    for (const suffix of ['', '-wal']) if (existsSync(join(dir, `kept.db${suffix}`))) copyFileSync(join(dir, `kept.db${suffix}`), `${file}${suffix}`);
    const db = new Database(file);
    db.exec(sql);
    db.close();
    return file;
  }

  async function expectAsReference(runner: ProjectionRunner): Promise<void> {
    expect(dump(runner.views)).toEqual(dump(reference.views));
    const page = { first: 10_000 };
    const log = (await runner.auditLog(page)).records;
    expect(log.length).toBe(all.length);
    expect(log).toEqual((await reference.auditLog(page)).records);
    // Found by unit (audit_units) and by actor (an index): the kept part and the part filed after it alike.
    const province = [...reference.views.units.values()].find((u) => u.kind === 'PROVINCE')!.id;
    const byUnit = (await runner.auditLog({ ...page, unitId: province })).records;
    expect(byUnit.some((r) => r.seq <= twoThirds) && byUnit.some((r) => r.seq > twoThirds)).toBe(true);
    expect(byUnit).toEqual((await reference.auditLog({ ...page, unitId: province })).records);
    const actorId = log.at(-1)!.actor.id;
    expect((await runner.auditLog({ ...page, actorId })).records).toEqual((await reference.auditLog({ ...page, actorId })).records);
  }

  it('at a start after a projection change, files only the events after the log\'s checkpoint', async () => {
    const file = keptCopy('started.db', "UPDATE meta SET value = 'older' WHERE key = 'projectionVersion'");
    const runner = new ProjectionRunner(store, file, undefined, undefined, { keepAuditLog: true });
    runner.start();
    await runner.ready;
    expect(filed).toHaveBeenCalledTimes(all.length - twoThirds);
    await expectAsReference(runner);
    await runner.stop();
    // What it wrote reloads, and a rebuild after it keeps the whole log.
    const again = new ProjectionRunner(store, file, undefined, undefined, { keepAuditLog: true });
    filed.mockClear();
    await again.rebuild();
    expect(filed).not.toHaveBeenCalled();
    await expectAsReference(again);
    await again.stop();
  });

  it('does the same with the fold in a worker thread (TIENDO_RUNNER_WORKER)', async () => {
    const file = keptCopy('worker.db', "UPDATE meta SET value = 'older' WHERE key = 'projectionVersion'");
    const runner = new ProjectionRunner(store, file, undefined, undefined, { keepAuditLog: true, worker: true });
    runner.start();
    await runner.ready;
    await expectAsReference(runner);
    // A rebuild there keeps the whole log, and this thread is told how much (what `tiendo rebuild` prints).
    expect(await runner.rebuild()).toBe(all.length);
    expect(runner.keptAuditEvents).toBe(all.length);
    await expectAsReference(runner);
    await runner.stop();
  });

  it('files the whole log again without the flag, or when the log\'s own version changed', async () => {
    for (const [name, sql, keepAuditLog] of [
      ['unflagged.db', "UPDATE meta SET value = 'older' WHERE key = 'projectionVersion'", false],
      ['older-log.db', "UPDATE meta SET value = 'older' WHERE key IN ('projectionVersion', 'auditVersion')", true],
    ] as const) {
      const runner = new ProjectionRunner(store, keptCopy(name, sql), undefined, undefined, { keepAuditLog });
      filed.mockClear();
      await runner.rebuild();
      expect(filed, name).toHaveBeenCalledTimes(all.length);
      await expectAsReference(runner);
      await runner.stop();
    }
  });

  it('refuses a log of another history at a start, writing no checkpoint; the next start files it anew; a rebuild files it anew at once', async () => {
    // A store with one event more at its start: the kept log's last event is at another position.
    const shifted = new SqliteEventStore(join(dir, 'shifted.db'));
    await shifted.append('unit-extra', [encode(
      { type: 'UnitRegistered', data: { unitId: 'extra', name: 'Đơn vị thêm', kind: 'MINISTRY', parentId: null } },
      { actor: { id: 'admin', role: 'admin', unit: 'GOV' }, occurredAt: (all[0]!.metadata as { occurredAt: string }).occurredAt, correlationId: 'extra', causationId: null },
    )]);
    await copyInto(shifted, all);
    // And one with fewer events than the log holds.
    const shorter = new SqliteEventStore(join(dir, 'shorter.db'));
    await copyInto(shorter, all.slice(0, twoThirds - 10));
    for (const [name, events] of [['shifted-views.db', shifted], ['shorter-views.db', shorter]] as const) {
      const file = keptCopy(name, "UPDATE meta SET value = 'older' WHERE key = 'projectionVersion'");
      const runner = new ProjectionRunner(events, file, undefined, undefined, { keepAuditLog: true, snapshotThread: false });
      runner.start();
      await expect(runner.ready, name).rejects.toThrow(AuditLogMismatchError);
      await runner.stop();
      const db = new Database(file, { readonly: true });
      expect(db.prepare("SELECT key FROM meta WHERE key IN ('checkpoint', 'auditVersion')").all(), name).toEqual([]);
      db.close();
      const [head] = await events.readAll({ direction: 'backwards', maxCount: 1 });
      const next = new ProjectionRunner(events, file, undefined, undefined, { keepAuditLog: true });
      filed.mockClear();
      next.start();
      await next.ready;
      expect(next.views.position, name).toBe(head!.position);
      const count = (await events.readAll({ maxCount: 100_000 })).length;
      expect(filed, name).toHaveBeenCalledTimes(count);
      expect((await next.auditLog({ first: 10_000 })).records.length, name).toBe(count);
      await next.stop();
      // `tiendo rebuild` on the same mismatch: the log filed anew in the same call, and said so.
      const { logger, lines: warned } = capturedLog('warn');
      const rebuilt = new ProjectionRunner(events, keptCopy(`rebuilt-${name}`, "UPDATE meta SET value = 'older' WHERE key = 'projectionVersion'"), logger, undefined,
        { keepAuditLog: true, snapshotEvery: 500 });
      filed.mockClear();
      expect(await rebuilt.rebuild(), name).toBe(count);
      expect(warned.map((l) => l.msg), name).toEqual(['the audit log kept is not of this store\'s history: rebuilding with the log filed anew']);
      expect(filed, name).toHaveBeenCalledTimes(count);
      expect(rebuilt.keptAuditEvents, name).toBe(0);
      expect((await rebuilt.auditLog({ first: 10_000 })).records.map((r) => [r.stream, r.seq]), name)
        .toEqual((await events.readAll({ maxCount: 100_000 })).map((e, i) => [e.stream, i + 1]));
      await rebuilt.stop();
    }
    await shifted.dispose();
    await shorter.dispose();
  });
});
