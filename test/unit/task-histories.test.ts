import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyEntry } from '../../projections/history.js';
import { taskSteps } from '../../projections/task-view.js';
import type { NewEvent, ReadStreamOptions } from '../../src/eventstore/port.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { TaskHistories } from '../../src/runner/task-histories.js';

/**
 * A task's history is folded once and then extended (src/runner/task-histories.ts): these check
 * that the memo gives what a fold of the whole stream gives, that a new event shows up, and that an
 * asOf read (an older revision, an earlier instant) is unaffected by what was memoised after it.
 */
const leader = { id: 'leader', role: 'leader', unit: 'GOV' };
const focal = { id: 'focal-01', role: 'focal_point', unit: '01' };
const meta = (occurredAt: string, actor = focal) => ({ schemaVersion: 1, actor, occurredAt, correlationId: randomUUID(), causationId: null, basis: [] });
const ev = (type: string, data: unknown, metadata: unknown): NewEvent => ({ id: randomUUID(), type, data, metadata });
const progress = (taskId: string, percent: number, at: string) =>
  ev('ProgressReported', { taskId, percent, indicators: [{ code: 'CLEANED', value: percent * 10 }], note: `${percent} %` }, meta(at));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A real store whose stream reads are recorded, with tasks T1 and T2 (assigned, two reports each). */
async function world() {
  const dir = mkdtempSync(join(tmpdir(), 'tiendo-histories-'));
  dirs.push(dir);
  const store = new SqliteEventStore(join(dir, 'events.db'));
  const reads: { stream: string; fromRevision: number }[] = [];
  const readStream = store.readStream.bind(store);
  store.readStream = (stream: string, options?: ReadStreamOptions) => {
    reads.push({ stream, fromRevision: typeof options?.fromRevision === 'number' ? options.fromRevision : 0 });
    return readStream(stream, options);
  };
  await store.append('unit-GOV', [ev('UnitRegistered', { unitId: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ', parentId: null }, meta('2022-01-01T00:00:00Z', leader))]);
  await store.append('unit-01', [ev('UnitRegistered', { unitId: '01', kind: 'PROVINCE', name: 'Thành phố Hà Nội', parentId: 'GOV' }, meta('2022-01-01T00:00:01Z', leader))]);
  for (const id of ['T1', 'T2']) {
    await store.append(`task-${id}`, [ev('TaskAssigned', {
      taskId: id, title: `Nhiệm vụ ${id}`, description: null, output: null,
      source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
      leadUnitId: '01', coordinatorIds: [], deadline: '2030-12-31',
      indicators: [{ code: 'CLEANED', name: 'Hồ sơ làm sạch', unitOfMeasure: 'hồ sơ', target: 1000 }],
      confidential: false, parentId: null,
    }, meta('2022-02-01T00:00:00Z', leader))], 'no_stream');
    await store.append(`task-${id}`, [progress(id, 30, '2022-03-01T00:00:00Z')], 0);
    await store.append(`task-${id}`, [progress(id, 55, '2022-04-01T00:00:00Z')], 1);
  }
  const runner = new ProjectionRunner(store, join(dir, 'views.db'));
  runner.start();
  await runner.ready;
  /** The reference: the whole stream folded, as history was before the memo. */
  const folded = async (id: string) => taskSteps(await runner.events(`task-${id}`)).map((s) => historyEntry(s.before, s.after, s.event));
  return { store, runner, reads, folded };
}

describe('task history memo', () => {
  it('gives the fold of the whole stream, reads a stream once, and only the new events after an append', async () => {
    const { store, runner, reads, folded } = await world();
    const version = runner.views.tasks.get('T1')!.version;
    const first = await runner.history('T1', { first: 10, upToRevision: version });
    expect(first.entries).toEqual(await folded('T1'));
    expect(first.totalCount).toBe(3);
    reads.length = 0;
    expect((await runner.history('T1', { first: 10, upToRevision: version })).entries).toEqual(first.entries);
    expect(reads).toEqual([]);

    const { position } = await store.append('task-T1', [progress('T1', 80, '2022-05-01T00:00:00Z')], 2);
    await runner.waitFor(position, 10_000);
    const now = runner.views.tasks.get('T1')!.version;
    expect(now).toBe(3);
    const after = await runner.history('T1', { first: 10, upToRevision: now });
    expect(reads).toEqual([{ stream: 'task-T1', fromRevision: 3 }]);
    expect(after.entries).toEqual(await folded('T1'));
    expect(after.entries.slice(1).map((h) => h.changes.find((c) => c.field === 'progress'))).toEqual([
      { field: 'progress', from: null, to: '30' }, { field: 'progress', from: '30', to: '55' }, { field: 'progress', from: '55', to: '80' },
    ]);
    // Paging over the memo: after a cursor, the page, hasNextPage and the count.
    const page = await runner.history('T1', { first: 2, after: 0, upToRevision: now });
    expect(page.entries.map((h) => h.revision)).toEqual([1, 2]);
    expect(page).toMatchObject({ hasNextPage: true, totalCount: 4 });
    await runner.stop();
  });

  it('keeps what entries repeat once (actor, lead units, an empty basis), and gives the same entries as the fold', async () => {
    const { runner, folded } = await world();
    const t1 = (await runner.history('T1', { first: 10 })).entries;
    const t2 = (await runner.history('T2', { first: 10 })).entries;
    expect(t1).toEqual(await folded('T1'));
    expect(t2).toEqual(await folded('T2'));
    // Reports by the same focal point, in two tasks' streams: decoded apart, held once.
    expect(t1[1]!.actor).toBe(t2[2]!.actor);
    expect(t1[1]!.leadUnitIds).toBe(t2[1]!.leadUnitIds);
    expect(t1[1]!.basis).toBe(t2[2]!.basis);
    expect(t1[2]!.changes.find((c) => c.field === 'progress')!.from).toBe('30');
    await runner.stop();
  });

  it('an asOf read (older revision, earlier instant) is unaffected by what was memoised after it', async () => {
    const { store, runner, folded } = await world();
    const { position } = await store.append('task-T1', [progress('T1', 80, '2022-05-01T00:00:00Z')], 2);
    await runner.waitFor(position, 10_000);
    await runner.history('T1', { first: 10, upToRevision: 3 }); // memoised up to revision 3
    const asOf = await runner.asOf('2022-03-15T00:00:00Z');
    const then = asOf.tasks.get('T1')!;
    expect(then.version).toBe(1);
    const page = await runner.history('T1', { first: 10, upToRevision: then.version, until: '2022-03-15T00:00:00Z' });
    expect(page.entries).toEqual((await folded('T1')).slice(0, 2));
    expect(page).toMatchObject({ totalCount: 2, hasNextPage: false });
    // `until` alone still cuts what occurred later, as before.
    expect((await runner.history('T1', { first: 10, until: '2022-04-15T00:00:00Z' })).totalCount).toBe(3);
    await runner.stop();
  });

  it('keeps at most its bound of entries: a task asked more often lately takes the place of the least recently asked', async () => {
    const { runner, reads, folded } = await world();
    const histories = new TaskHistories((id, from, upTo) => runner.events(`task-${id}`, { fromRevision: from, upToRevision: upTo }), 4);
    expect(await histories.entries('T1', 2)).toEqual(await folded('T1'));
    // 6 entries > 4, and T2 asked no more often than T1: T2 is answered but not kept.
    expect(await histories.entries('T2', 2)).toEqual(await folded('T2'));
    reads.length = 0;
    await histories.entries('T1', 2);
    expect(reads).toEqual([]);
    // Asked a second time, T2 is asked as often as T1 was (twice) — still not more — so it is folded again, not kept.
    await histories.entries('T2', 2);
    expect(reads).toEqual([{ stream: 'task-T2', fromRevision: 0 }]);
    // A third time: more often than T1, so T2 takes its place.
    await histories.entries('T2', 2);
    reads.length = 0;
    await histories.entries('T2', 2);
    expect(reads).toEqual([]);
    await histories.entries('T1', 2);
    expect(reads).toEqual([{ stream: 'task-T1', fromRevision: 0 }]);
    // An older revision is the memo's prefix, read from nothing.
    reads.length = 0;
    expect((await histories.entries('T2', 1)).map((h) => h.revision)).toEqual([0, 1]);
    expect(reads).toEqual([]);
    await runner.stop();
  });

  it('tasks asked in turn that do not all fit: those held stay held, instead of each evicting the next', async () => {
    const { runner, reads } = await world();
    // Room for one of the two tasks (3 entries each): in turn T1, T2, T1, T2 … T1 stays, T2 is folded each time.
    const histories = new TaskHistories((id, from, upTo) => runner.events(`task-${id}`, { fromRevision: from, upToRevision: upTo }), 4);
    for (let round = 0; round < 3; round++) for (const id of ['T1', 'T2']) await histories.entries(id, 2);
    expect(reads.filter((r) => r.stream === 'task-T1')).toHaveLength(1);
    expect(reads.filter((r) => r.stream === 'task-T2')).toHaveLength(3);
    await runner.stop();
  });
});
