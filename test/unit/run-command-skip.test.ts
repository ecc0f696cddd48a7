import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CommandContext, type StreamDecider, runCommand } from '../../src/app/run-command.js';
import { encode } from '../../src/events.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import type { TaskEvent } from '../../src/tasks/events.js';

/**
 * runCommand skips the read of a stream's new events while the store's count of other processes'
 * writes (PRAGMA data_version) has not moved. Another connection to the same file stands in for
 * another process; a direct append on the same store object is a write in this process outside
 * runCommand. In every case the next command must decide on every event of the stream.
 */
const dirs: string[] = [];
const stores: SqliteEventStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.dispose();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const storeOn = (file: string) => {
  const s = new SqliteEventStore(file);
  stores.push(s);
  return s;
};
const fileIn = () => {
  const d = mkdtempSync(join(tmpdir(), 'tiendo-skip-'));
  dirs.push(d);
  return join(d, 'events.db');
};

type Progress = Extract<TaskEvent, { type: 'ProgressReported' }>;
/** The state: how many reports the stream holds (module level: runCommand caches per evolve function). */
const evolve = (state: number, _event: Progress) => state + 1;
/** Each command reports the count it decided on as its percent: what the state was is in the stream. */
const decider = (stream: string): StreamDecider<number, Progress> => ({
  stream, initial: 0, evolve,
  decide: (state) => [{ type: 'ProgressReported', data: { taskId: 'T-1', percent: state, indicators: [], note: 'n' } }],
});
const ctx: CommandContext = { actor: { id: 'u-1', role: 'leader', unit: 'GOV' }, now: '2026-01-01T00:00:00.000Z', correlationId: 'c' };
const percents = async (store: SqliteEventStore, stream: string) =>
  (await store.readStream(stream)).map((e) => (e.data as { percent: number }).percent);
/** A report appended without runCommand, as encode writes it. */
const direct = (percent: number) => encode({ type: 'ProgressReported', data: { taskId: 'T-1', percent, indicators: [], note: 'n' } },
  { actor: ctx.actor, occurredAt: ctx.now, correlationId: 'c', causationId: null });

describe('runCommand and writes it did not make', () => {
  it('does not read the stream again while no other process wrote', async () => {
    const store = storeOn(fileIn());
    await runCommand(store, decider('s-1'), ctx);
    let reads = 0;
    const read = store.readStream.bind(store);
    store.readStream = (...args) => {
      reads++;
      return read(...args);
    };
    await runCommand(store, decider('s-1'), ctx);
    await runCommand(store, decider('s-1'), ctx);
    expect(reads).toBe(0);
    expect(await percents(store, 's-1')).toEqual([0, 1, 2]);
  });

  it('sees another process\'s append to the stream (data_version moved)', async () => {
    const file = fileIn();
    const mine = storeOn(file);
    const other = storeOn(file);
    await runCommand(mine, decider('s-2'), ctx);
    await other.append('s-2', [direct(50)], 0);
    await runCommand(mine, decider('s-2'), ctx);
    expect(await percents(mine, 's-2')).toEqual([0, 50, 2]);
  });

  it('sees another process\'s append made within one look at data_version (the append conflicts, then it reads)', async () => {
    const file = fileIn();
    const mine = storeOn(file);
    const other = storeOn(file);
    await runCommand(mine, decider('s-4'), ctx);
    // The clock stands still: the next othersWrites answers from the last look, which missed the other's write.
    const now = performance.now();
    const clock = vi.spyOn(performance, 'now').mockReturnValue(now);
    try {
      const seen = mine.othersWrites();
      await other.append('s-4', [direct(60)], 0);
      expect(mine.othersWrites()).toBe(seen);
      const result = await runCommand(mine, decider('s-4'), ctx);
      expect(result.version).toBe(2);
    } finally {
      clock.mockRestore();
    }
    expect(await percents(mine, 's-4')).toEqual([0, 60, 2]);
    expect(mine.othersWrites()).toBeGreaterThan(0);
  });

  it('sees an append made in this process outside runCommand (its conflict makes it read)', async () => {
    const store = storeOn(fileIn());
    await runCommand(store, decider('s-3'), ctx);
    await store.append('s-3', [direct(70)], 0);
    const result = await runCommand(store, decider('s-3'), ctx);
    expect(result.version).toBe(2);
    expect(await percents(store, 's-3')).toEqual([0, 70, 2]);
  });
});
