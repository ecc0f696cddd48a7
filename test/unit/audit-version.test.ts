import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_END_MS } from '../../bench/workload.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { AUDIT_VERSION } from '../../src/runner/read-model.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import type { Actor } from '../../src/shared/schemas.js';
import { workloadData } from '../support/workload-data.js';

/**
 * What the audit log filed from this test's history holds, for each AUDIT_VERSION (a digest of
 * `logOf`). A rebuild keeps a log of the running version (TIENDO_REBUILD_KEEP_AUDIT, on by default)
 * as the one this tiendo would file: when a change files it otherwise — the audit projection, its
 * filing, or what it reads of the views (a task's lead unit, a unit's parent) — bump AUDIT_VERSION
 * in src/runner/read-model.ts and add the new digest under it. Never change a digest recorded here.
 */
const FILED: Record<string, string> = {
  '1': '544fece3d0fc44a6757a22e233762f3382dff5f607b569d6bc7fd2d9b77e2e00',
};

/** The log's whole content by name (its integer ids are the file's own): records, each unit's range, blocks, streams' units. */
function logOf(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const names = new Map(db.prepare<[], { id: number; name: string }>('SELECT id, name FROM audit_names').all().map((r) => [r.id, r.name]));
    const named = (ids: string) => (ids ? ids.split(',').map((id) => names.get(Number(id))) : []);
    return {
      records: db.prepare<[], { seq: number; at_ms: number; actor: number; action: number; task: number | null; stream: number; revision: number; units: string }>(
        'SELECT seq, at_ms, actor, action, task, stream, revision, units FROM audit ORDER BY seq').all()
        .map((r) => [r.seq, r.at_ms, names.get(r.actor), names.get(r.action), r.task === null ? null : names.get(r.task), names.get(r.stream), r.revision, named(r.units)]),
      units: db.prepare<[], { unit: number; seqs: string }>('SELECT unit, group_concat(seq) AS seqs FROM (SELECT unit, seq FROM audit_units ORDER BY unit, seq) GROUP BY unit').all()
        .map((r) => [names.get(r.unit), r.seqs]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      blocks: db.prepare('SELECT block, min_at_ms, max_at_ms FROM audit_blocks ORDER BY block').all(),
      streams: db.prepare<[], { stream: number; units: string }>('SELECT stream, units FROM audit_streams').all()
        .map((r) => [names.get(r.stream), named(r.units)]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    };
  } finally {
    db.close();
  }
}

/**
 * AUDIT_VERSION is checked: the national workload (one client, so the store's order is the plan's),
 * then a merger of two provinces (their communes re-parented: records refiled), an event of a
 * type tiendo does not know, and one that names only a task (filed under the task's lead unit), filed by a rebuild and compared with the digest recorded for the version.
 */
describe('the audit log of AUDIT_VERSION', () => {
  let dir: string;
  let log: ReturnType<typeof logOf>;

  beforeAll(async () => {
    const after = (days: number) => new Date(HISTORY_END_MS + days * 86_400_000).toISOString();
    const admin: Actor = { id: 'admin', role: 'admin', unit: 'GOV' };
    dir = await workloadData('tiendo-audit-version-', { events: 3000, seed: 29, concurrency: 1 }, async (app) => {
      const provinces = [...app.runner.views.units.values()].filter((u) => u.kind === 'PROVINCE').map((u) => u.id).sort();
      await app.mergers.merge({ from: [provinces[0]], into: provinces[1], effectiveOn: after(1).slice(0, 10), reason: 'Sắp xếp đơn vị hành chính cấp tỉnh', basis: [] },
        { actor: admin, now: after(1), correlationId: 'audit-version' });
      await app.store.append('task-unknown', [{ id: randomUUID(), type: 'TaskTeleported', data: { taskId: 'unknown', toUnitId: provinces[2] },
        metadata: { actor: admin, occurredAt: after(2) } }]);
      // Naming only a task: filed under the task's lead unit as the views hold it (moved by the merger).
      const moved = [...app.runner.views.tasks.values()].find((t) => t.leadUnitId === provinces[1] && t.id.includes(provinces[0]!))
        ?? [...app.runner.views.tasks.values()].find((t) => t.leadUnitId === provinces[1])!;
      await app.store.append(`note-${moved.id}`, [{ id: randomUUID(), type: 'TaskNoted', data: { taskId: moved.id }, metadata: { actor: admin, occurredAt: after(3) } }]);
    });
    const store = new SqliteEventStore(join(dir, 'events.db'));
    const runner = new ProjectionRunner(store, join(dir, 'rebuilt.db'));
    try {
      await runner.rebuild();
    } finally {
      await runner.stop();
      await store.dispose();
    }
    log = logOf(join(dir, 'rebuilt.db'));
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds what was recorded for it: else bump AUDIT_VERSION', () => {
    // The history reaches what the version promises about: records refiled after a merger, one of an unknown type.
    expect(log.records.some((r) => r[3] === 'UnitReparented')).toBe(true);
    expect(log.records.some((r) => r[3] === 'TaskTeleported')).toBe(true);
    expect(log.records.find((r) => r[3] === 'TaskNoted')?.[7]).toHaveLength(1);
    const digest = createHash('sha256').update(JSON.stringify(log)).digest('hex');
    expect(digest, `the audit log filed from this history changed: bump AUDIT_VERSION (src/runner/read-model.ts) and record ${digest} under it`).toBe(FILED[AUDIT_VERSION]);
  });
});
