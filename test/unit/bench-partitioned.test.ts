import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionedRebuild } from '../../bench/partitioned.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { workloadData } from '../support/workload-data.js';

/** The rows and commitment changes of read model files, together, in one order. */
function rowsOf(...files: string[]) {
  const rows: { kind: string; id: string; json: string }[] = [];
  const commitments: { task_id: string; revision: number; json: string }[] = [];
  for (const file of files) {
    const db = new Database(file, { readonly: true });
    rows.push(...db.prepare<[], { kind: string; id: string; json: string }>('SELECT kind, id, json FROM rows').all());
    commitments.push(...db.prepare<[], { task_id: string; revision: number; json: string }>('SELECT task_id, revision, json FROM commitments').all());
    db.close();
  }
  const key = (...parts: (string | number)[]) => parts.join('\t');
  rows.sort((a, b) => key(a.kind, a.id).localeCompare(key(b.kind, b.id)));
  commitments.sort((a, b) => a.task_id.localeCompare(b.task_id) || a.revision - b.revision);
  return { rows, commitments };
}

/**
 * bench/partitioned.ts measures a rebuild partitioned by stream, a design not in src. What it
 * measures is a rebuild only if the partitions, folded apart, hold the rows one fold holds.
 */
describe('the bench\'s partitioned rebuild', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await workloadData('tiendo-partitioned-', { events: 2000, seed: 7 });
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('folds into its partitions the rows and commitment changes of one rebuild, each event once', async () => {
    const store = new SqliteEventStore(join(dir, 'events.db'));
    const one = new ProjectionRunner(store, join(dir, 'one.db'), undefined, undefined, { snapshotEvery: Infinity });
    const events = await one.rebuild();
    await one.stop();
    await store.dispose();
    const out = mkdtempSync(join(dir, 'partitioned-'));
    const measured = await partitionedRebuild(join(dir, 'events.db'), out, 2, 97);
    expect(measured.events).toBe(events);
    const partitions = [0, 1].map((p) => rowsOf(join(out, `partition-${p}.db`)));
    // Both partitions hold tasks: the streams are split, not all in one.
    for (const p of partitions) expect(p.rows.filter((r) => r.kind === 'task').length).toBeGreaterThan(50);
    expect(rowsOf(join(out, 'partition-0.db'), join(out, 'partition-1.db'))).toEqual(rowsOf(join(dir, 'one.db')));
    for (const p of [0, 1]) {
      const snapshots = new Database(join(out, `partition-${p}-snapshots.db`), { readonly: true });
      expect(snapshots.prepare<[], { n: number }>('SELECT count(*) AS n FROM snapshots').get()!.n).toBeGreaterThan(5);
      snapshots.close();
    }
  }, 120_000);
});
