import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { dump } from '../support/views-dump.js';

/**
 * The read model's writer thread (src/runner/views-writer.ts) once the runner is live: what reads
 * views.db sees every event the views hold without waiting for the flush timer, what it wrote
 * reloads to the same views, and a write that fails says so instead of being lost quietly.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const admin = { id: 'admin', role: 'admin', unit: 'GOV' };
const unitRegistered = (unitId: string, parentId: string | null, second: number) => ({
  id: randomUUID(), type: 'UnitRegistered', data: { unitId, kind: parentId ? 'PROVINCE' : 'GOVERNMENT', name: unitId, parentId },
  metadata: {
    schemaVersion: 1, actor: admin, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    correlationId: randomUUID(), causationId: null, basis: [],
  },
});

async function live(): Promise<{ first: string; store: SqliteEventStore; viewsFile: string; runner: ProjectionRunner }> {
  const dir = mkdtempSync(join(tmpdir(), 'tiendo-views-writer-'));
  dirs.push(dir);
  const store = new SqliteEventStore(join(dir, 'events.db'));
  const first = (await store.append('unit-GOV', [unitRegistered('GOV', null, 0)])).position;
  const viewsFile = join(dir, 'views.db');
  const runner = new ProjectionRunner(store, viewsFile, undefined, undefined, { writerThread: true });
  runner.start();
  await runner.ready;
  return { first, store, viewsFile, runner };
}

describe('the read model written by its own thread', () => {
  it('has closed its connection when the runner stops: views.db alone is the read model then, no WAL beside it', async () => {
    // The writer thread closed its connection (which checkpoints the WAL) after stop() had returned, 2 times in 10 (session 20).
    for (let round = 0; round < 10; round++) {
      const { store, viewsFile, runner } = await live();
      const last = (await store.append(`unit-P${round}`, [unitRegistered(`P${round}`, 'GOV', 1)])).position;
      await runner.waitFor(last);
      await runner.stop();
      expect(existsSync(`${viewsFile}-wal`), `round ${round}`).toBe(false);
      const meta = new Database(viewsFile, { readonly: true });
      expect(meta.prepare("SELECT value FROM meta WHERE key = 'checkpoint'").pluck().get(), `round ${round}`).toBe(last);
      meta.close();
      await store.dispose();
    }
  });

  it('answers the audit log with every event the views hold, and what it wrote reloads to the same views', async () => {
    const { store, viewsFile, runner } = await live();
    let last = '';
    for (let i = 1; i <= 40; i++) last = (await store.append(`unit-P${i}`, [unitRegistered(`P${i}`, 'GOV', i)])).position;
    await runner.waitFor(last);
    // Well before the flush timer: the log waits for what is posted, not for the timer.
    const page = await runner.auditLog({ first: 100 });
    expect(page.records).toHaveLength(41);
    expect(await page.count()).toBe(41);
    expect((await runner.auditLog({ first: 100, unitId: 'P7' })).records.map((r) => r.seq)).toEqual([8]);
    const views = dump(runner.views);
    await runner.stop();

    const meta = new Database(viewsFile, { readonly: true });
    expect(meta.prepare("SELECT value FROM meta WHERE key = 'checkpoint'").pluck().get()).toBe(last);
    meta.close();
    const reloaded = new ProjectionRunner(store, viewsFile, undefined, undefined, { writerThread: false });
    reloaded.start();
    await reloaded.ready;
    expect(dump(reloaded.views)).toEqual(views);
    expect((await reloaded.auditLog({ first: 100 })).records).toEqual(page.records);
    await reloaded.stop();
    await store.dispose();
  });

  it('fails the readers of views.db and the stop with the cause when a live write fails, and keeps the last checkpoint written', async () => {
    const { first, store, viewsFile, runner } = await live();
    const written = (await runner.auditLog({ first: 10 })).records;
    expect(written).toHaveLength(1);
    // Stands for a full disk: every later write of the checkpoint fails, in the writer thread.
    const other = new Database(viewsFile);
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'read model not writable'); END;");
    other.close();
    const { position } = await store.append('unit-P1', [unitRegistered('P1', 'GOV', 1)]);
    await runner.waitFor(position);
    await expect(runner.auditLog({ first: 10 })).rejects.toThrow('read model not writable');
    await expect(runner.stop()).rejects.toThrow('read model not writable');
    const meta = new Database(viewsFile, { readonly: true });
    const checkpoint = meta.prepare("SELECT value FROM meta WHERE key = 'checkpoint'").pluck().get();
    expect(checkpoint).toBe(first);
    expect(meta.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(1);
    meta.close();
    await store.dispose();
  });
});
