import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HISTORY_END_MS, HISTORY_START_MS } from '../../bench/workload.js';
import { encode } from '../../src/events.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { ASOF_CACHE, ASOF_IDLE_MS } from '../../src/runner/as-of.js';
import { copyInto } from '../support/copy-events.js';
import { dump } from '../support/views-dump.js';
import { workloadData } from '../support/workload-data.js';

describe('asOf from snapshots', () => {
  let dir: string;
  let store: SqliteEventStore;
  const instants: string[] = [];

  beforeAll(async () => {
    // The bench's national workload, small: events of a week arrive out of their order in time.
    dir = await workloadData('tiendo-asof-', { events: 2500, seed: 11 }, async (app) => {
      // And one recorded long after it happened: a late event after the last snapshot.
      const task = [...app.runner.views.tasks.values()].find((t) => t.phase === 'OPEN')!;
      const [head] = await app.store.readStream(`task-${task.id}`, { direction: 'backwards', maxCount: 1 });
      await app.store.append(`task-${task.id}`, [encode(
        { type: 'ProgressReported', data: { taskId: task.id, percent: 42, indicators: [], note: 'ghi nhận muộn' }, reason: 'ghi nhận muộn' },
        { actor: { id: 'late', role: 'leader', unit: 'GOV' }, occurredAt: new Date(HISTORY_START_MS + 20 * 86_400_000).toISOString(), correlationId: 'late', causationId: null },
      )], head!.revision);
    });
    store = new SqliteEventStore(join(dir, 'events.db'));
    for (let i = 0; i <= 24; i++) instants.push(new Date(HISTORY_START_MS + ((HISTORY_END_MS - HISTORY_START_MS) * i) / 24 + i * 3_600_000).toISOString());
  }, 120_000);

  afterAll(async () => {
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as a replay of every event does, from a rebuild and from following the store', async () => {
    const without = new ProjectionRunner(store, join(dir, 'none.db'), undefined, undefined, { snapshotEvery: Infinity });
    await without.rebuild();
    const rebuilt = new ProjectionRunner(store, join(dir, 'rebuilt.db'), undefined, undefined, { snapshotEvery: 97 });
    await rebuilt.rebuild();
    const followed = new ProjectionRunner(store, join(dir, 'followed.db'), undefined, undefined, { snapshotEvery: 131 });
    followed.start();
    await followed.ready;
    for (const at of instants) {
      const expected = dump(await without.asOf(at));
      expect(dump(await rebuilt.asOf(at)), `rebuilt, asOf ${at}`).toEqual(expected);
      expect(dump(await followed.asOf(at)), `followed, asOf ${at}`).toEqual(expected);
    }
    // The late event is seen from the instant it occurred, not only after the snapshot that follows it.
    const early = instants[1]!;
    expect((await rebuilt.asOf(early)).tasks.size).toBe((await without.asOf(early)).tasks.size);
    for (const r of [without, rebuilt, followed]) await r.stop();
  }, 120_000);

  it(`keeps the ${ASOF_CACHE} replays used last, and drops one unused for ${ASOF_IDLE_MS / 1000} s`, async () => {
    const runner = new ProjectionRunner(store, join(dir, 'kept.db'), undefined, undefined, { snapshotEvery: 97 });
    await runner.rebuild();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const [a, b, c] = [instants[3]!, instants[9]!, instants[15]!];
      const va = await runner.asOf(a);
      const vb = await runner.asOf(b);
      expect(await runner.asOf(a)).toBe(va);
      expect(await runner.asOf(b)).toBe(vb);
      await runner.asOf(c); // a third instant: the one used least recently (a) goes
      expect(await runner.asOf(b)).toBe(vb);
      const va2 = await runner.asOf(a);
      expect(va2).not.toBe(va);
      expect(dump(va2)).toEqual(dump(va));
      // Used within the last ASOF_IDLE_MS: kept; then unused for longer: dropped.
      vi.advanceTimersByTime(ASOF_IDLE_MS / 2);
      expect(await runner.asOf(a)).toBe(va2);
      vi.advanceTimersByTime(ASOF_IDLE_MS / 2 + 1);
      expect(await runner.asOf(a)).toBe(va2);
      vi.advanceTimersByTime(2 * ASOF_IDLE_MS + 1);
      expect(await runner.asOf(a)).not.toBe(va2);
    } finally {
      vi.useRealTimers();
      await runner.stop();
    }
  });

  it('builds one replay for callers asking at once, answers other work meanwhile, and builds again after a rebuild', async () => {
    const runner = new ProjectionRunner(store, join(dir, 'shared.db'), undefined, undefined, { snapshotEvery: 97 });
    await runner.rebuild();
    const reference = new ProjectionRunner(store, ':memory:', undefined, undefined, { snapshotEvery: Infinity });
    await reference.rebuild();
    const [at, later] = [instants[12]!, instants[13]!];
    let answered = false;
    let ranMeanwhile = false;
    setImmediate(() => (ranMeanwhile = !answered));
    const [x, y] = await Promise.all([runner.asOf(at), runner.asOf(at)]);
    answered = true;
    // The replay let the event loop run (it works in time slices), and both callers got the same one.
    expect(ranMeanwhile).toBe(true);
    expect(y).toBe(x);
    expect(dump(x)).toEqual(dump(await reference.asOf(at)));
    // Asked before a rebuild wipes the read model, answered from the rebuilt one.
    const pending = runner.asOf(later);
    await runner.rebuild();
    expect(dump(await pending)).toEqual(dump(await reference.asOf(later)));
    await runner.stop();
    await reference.stop();
  }, 120_000);

  it('answers the same from the snapshots a live runner takes as events arrive, its full ones put together by its writer thread', async () => {
    const live = new SqliteEventStore(join(dir, 'live-events.db'));
    const all = await store.readAll({ maxCount: 100_000 });
    // A third of the events before the start (loaded as a rebuild is, with its snapshots), the rest
    // appended in their order while the runner follows: those snapshots are taken live, the first
    // delta building on the load's last snapshot.
    const before = Math.floor(all.length / 3);
    await copyInto(live, all.slice(0, before));
    const runner = new ProjectionRunner(live, join(dir, 'live.db'), undefined, undefined, { snapshotEvery: 53 });
    runner.start();
    await runner.ready;
    await copyInto(live, all.slice(before), runner);
    await runner.stop();
    const file = new Database(join(dir, 'live.db'), { readonly: true });
    const count = (where: string) => file.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM snapshots WHERE ${where}`).get(before)!.n;
    const [fulls, liveDeltas] = [count('seq = base AND seq > ?'), count('seq <> base AND seq > ?')];
    file.close();
    expect(fulls).toBeGreaterThanOrEqual(2);
    expect(liveDeltas).toBeGreaterThanOrEqual(10);
    // Reopened, so that asOf reads what was written to the file, full snapshots among it.
    await expectRestartedAsReplay(live, join(dir, 'live.db'), 53);
    await live.dispose();
  }, 120_000);

  it('answers the same after a rebuild while live, from the deltas taken after it', async () => {
    const live = new SqliteEventStore(join(dir, 'rebuilt-live-events.db'));
    const all = await store.readAll({ maxCount: 100_000 });
    const third = Math.floor(all.length / 3);
    const runner = new ProjectionRunner(live, join(dir, 'rebuilt-live.db'), undefined, undefined, { snapshotEvery: 53 });
    runner.start();
    await runner.ready;
    await copyInto(live, all.slice(0, third), runner);
    // Rebuilt (its snapshots taken by a thread of their own, copied in), then following again: the
    // deltas taken live after it build on the rebuild's snapshots, not on those of before.
    await runner.rebuild();
    runner.start();
    await runner.ready;
    await copyInto(live, all.slice(third), runner);
    await runner.stop();
    await expectRestartedAsReplay(live, join(dir, 'rebuilt-live.db'), 53);
    await live.dispose();
  }, 120_000);

  it('keeps its snapshots across a restart', async () => {
    const first = new ProjectionRunner(store, join(dir, 'restart.db'), undefined, undefined, { snapshotEvery: 113 });
    first.start();
    await first.ready;
    await first.stop();
    await expectRestartedAsReplay(store, join(dir, 'restart.db'), 113);
  }, 120_000);

  /** A runner started again on `file` answers asOf at every instant as a replay of every event does. */
  async function expectRestartedAsReplay(events: SqliteEventStore, file: string, snapshotEvery: number): Promise<void> {
    const again = new ProjectionRunner(events, file, undefined, undefined, { snapshotEvery });
    again.start();
    await again.ready;
    const reference = new ProjectionRunner(events, ':memory:', undefined, undefined, { snapshotEvery: Infinity });
    await reference.rebuild();
    for (const at of instants) expect(dump(await again.asOf(at)), `asOf ${at}`).toEqual(dump(await reference.asOf(at)));
    await again.stop();
    await reference.stop();
  }
});
