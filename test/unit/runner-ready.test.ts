import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../../src/runner/runner.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const admin = { id: 'admin', role: 'admin', unit: 'GOV' };
const unitRegistered = (unitId: string, parentId: string | null, occurredAt: string) => ({
  id: randomUUID(), type: 'UnitRegistered', data: { unitId, kind: parentId ? 'PROVINCE' : 'GOVERNMENT', name: unitId, parentId },
  metadata: { schemaVersion: 1, actor: admin, occurredAt, correlationId: randomUUID(), causationId: null, basis: [] },
});

describe('live runner readiness', () => {
  it('rejects `ready` with the cause when the read model cannot be written at catch-up, instead of never settling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiendo-ready-'));
    dirs.push(dir);
    const store = new SqliteEventStore(join(dir, 'events.db'));
    const viewsFile = join(dir, 'views.db');
    await store.append('unit-GOV', [unitRegistered('GOV', null, '2026-01-01T00:00:00Z')]);
    const first = new ProjectionRunner(store, viewsFile);
    first.start();
    await first.ready;
    await first.stop();

    // Stands for a full disk or a locked file: every later write of the read model's checkpoint fails.
    const views = new Database(viewsFile);
    views.exec("CREATE TRIGGER refuse BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'read model not writable'); END;");
    views.close();
    await store.append('unit-01', [unitRegistered('01', 'GOV', '2026-01-01T00:00:01Z')]);

    const second = new ProjectionRunner(store, viewsFile);
    second.start();
    await expect(second.ready).rejects.toThrow('read model not writable');
    expect(second.caughtUp).toBe(false);
    await expect(second.stop()).rejects.toThrow('read model not writable');
    await store.dispose();
  });
});
