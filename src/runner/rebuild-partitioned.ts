import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import { startThread } from '../shared/thread.js';
import { BLOCK, type Folded, type ReadModel } from './read-model.js';
import type { RebuildOptions } from './rebuild.js';
import { LAST_BLOCK, type Snapshots } from './snapshots.js';
import type { Row } from './views.js';

/**
 * TIENDO_REBUILD_PARTITIONS: a rebuild whose fold is split by stream over threads
 * (rebuild-partition-thread.ts). No row depends on another stream's events (a task's reminders are
 * on its own stream), so each thread reads only its streams' events, folds them with the same
 * projections and takes its rows' share of every snapshot, at the same global positions; this
 * thread puts each snapshot together from the shares, then takes the rows, commitment changes and
 * blocks as its own (ReadModel.adopt) and writes them as a rebuild does. One fold, where the rebuild
 * of rebuild-snapshots.ts folds twice (once for the rows, once in the snapshot thread).
 *
 * Only when the audit log is kept up to the store's last event (TIENDO_REBUILD_KEEP_AUDIT): filing
 * it reads other streams' rows (a task's lead unit, a unit's parent) in the store's one order, so
 * it cannot be split so, and it is about half of a rebuild that files it (bench/README.md). And
 * only when the store's positions number its events 1, 2, 3 … (the SQLite store's): an event's
 * position is then its number, and a thread that reads only its own events still knows where every
 * snapshot and block falls.
 */
export interface PartitionData {
  eventsFile: string;
  part: number;
  parts: number;
  /** Events between snapshots (Infinity: none). */
  every: number;
  /** The store's last position when the rebuild began: every thread folds up to it. */
  until: number;
  logLevel: string;
  /** Set (to 1) by this thread when another partition failed: each stops at its next page (foldAll). */
  stop: Int32Array;
}

export type FromPartition =
  | { type: 'progress'; events: number }
  /** A partition's share of the snapshot at position `seq`: its rows, deflated to be continued (Snapshots' `piece`). */
  | { type: 'piece'; seq: number; base: number; lastOccurredAt: string; rows: Uint8Array }
  | {
    type: 'done'; events: number; rows: Row[];
    /** Each commitment change with the position of its event: the partitions' are put in the store's order. */
    commitments: [number, HistoryEntry][];
    /** The earliest instant its events occurred at, by block (floor((position - 1) / BLOCK)). */
    blockMins: (string | undefined)[];
    lastOccurredAt: string | null;
    unreadable: number;
  }
  | { type: 'failed'; error: string };

type Done = Extract<FromPartition, { type: 'done' }>;

/**
 * The partition of a stream: FNV-1a of its name. The last characters of names are not enough: the
 * national workload's task ids end in unit codes, and split by their last two one thread of two
 * folded 16 % more events than the other (of four, 18 % more than the mean); by FNV-1a, 1 %.
 */
export function partitionOf(stream: string, parts: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) hash = Math.imul(hash ^ stream.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % parts;
}

export interface PartitionPlan { eventsFile: string; parts: number; until: number }

/**
 * The plan of a partitioned rebuild of `eventsFile`, or why there is none. `keptAudit`: the audit log a
 * wipe would keep (ReadModel.keptAuditLog).
 */
export function planPartitions(
  eventsFile: string, parts: number, keptAudit: { seq: number; stream: string; revision: number } | null,
): PartitionPlan | string {
  const db = new Database(eventsFile, { readonly: true });
  try {
    // One statement, so one read: an append between the count and the last event would make them disagree.
    const { first, last, count } = db.prepare<[], { first: number | null; last: number | null; count: number }>(
      'SELECT min(position) AS first, max(position) AS last, (SELECT count(*) FROM events) AS count FROM events').get()!;
    if (count === 0 || last === null) return 'the store holds no events';
    if (first !== 1 || last !== count) return 'the store\'s positions are not its events\' numbers';
    const at = db.prepare<[number], { stream: string; revision: number }>('SELECT stream, revision FROM events WHERE position = ?').get(last)!;
    if (!keptAudit || keptAudit.seq !== count || keptAudit.stream !== at.stream || keptAudit.revision !== at.revision) {
      return 'the audit log is not kept up to the store\'s last event (TIENDO_REBUILD_KEEP_AUDIT)';
    }
    return { eventsFile, parts, until: last };
  } finally {
    db.close();
  }
}

/** Every partition folded in its thread; the snapshots written as their shares come in; the rest adopted at the end. */
export async function rebuildPartitioned(
  model: ReadModel, snapshots: Snapshots, plan: PartitionPlan, options: RebuildOptions = {}, log?: Logger,
): Promise<number> {
  const { parts, until } = plan;
  // The audit log is kept: the caller planned it so (planPartitions).
  model.wipe();
  snapshots.wipe();
  const shares = new Map<number, { pieces: Buffer[]; base: number; lastOccurredAt: string; count: number }>();
  const progress = new Array<number>(parts).fill(0);
  const onShare = (part: number, m: Extract<FromPartition, { type: 'piece' }>) => {
    let share = shares.get(m.seq);
    if (!share) shares.set(m.seq, (share = { pieces: [], base: m.base, lastOccurredAt: '', count: 0 }));
    if (share.base !== m.base) throw new Error(`partitions disagree on the snapshot at ${m.seq}: built on ${share.base} and on ${m.base}`);
    share.pieces[part] = Buffer.from(m.rows.buffer, m.rows.byteOffset, m.rows.byteLength);
    if (m.lastOccurredAt > share.lastOccurredAt) share.lastOccurredAt = m.lastOccurredAt;
    if (++share.count < parts) return;
    shares.delete(m.seq);
    model.putSnapshot({ seq: m.seq, base: m.base, position: String(m.seq), lastOccurredAt: share.lastOccurredAt, rows: Buffer.concat([...share.pieces, LAST_BLOCK]) });
  };
  const folded = await foldAll(plan, snapshots.every, log, (part, m) => {
    if (m.type === 'piece') onShare(part, m);
    else {
      progress[part] = m.events;
      options.onProgress?.(progress.reduce((a, b) => a + b, 0));
    }
  });
  if (shares.size > 0) throw new Error(`snapshots at ${[...shares.keys()].join(', ')} not taken by every partition`);
  model.adopt(merge(folded, until));
  model.bulkLoad(false);
  model.flush();
  await model.written(false);
  snapshots.resume();
  log?.info({ partitions: parts, events: until, byPartition: folded.map((f) => f.events) }, 'rebuild partitioned');
  return until;
}

/** The partitions' folds as one: rows together, commitment changes and blocks in the store's order. */
function merge(folded: Done[], until: number): Folded {
  const mins: (string | undefined)[] = [];
  for (const f of folded) {
    f.blockMins.forEach((min, b) => {
      if (min !== undefined && !(mins[b]! <= min)) mins[b] = min;
    });
  }
  const blocks: Folded['blocks'] = [];
  const complete = Math.floor(until / BLOCK);
  const after = (b: number) => (b === 0 ? null : String(b * BLOCK));
  for (let b = 0; b < complete; b++) {
    blocks.push({ lastSeq: (b + 1) * BLOCK, afterPosition: after(b), lastPosition: String((b + 1) * BLOCK), minOccurredAt: mins[b] ?? '9999' });
  }
  const lastOccurredAt = folded.reduce<string | null>((max, f) => (f.lastOccurredAt !== null && (max === null || f.lastOccurredAt > max) ? f.lastOccurredAt : max), null);
  return {
    rows: folded.flatMap((f) => f.rows),
    commitments: folded.flatMap((f) => f.commitments).sort((a, b) => a[0] - b[0]).map(([, entry]) => entry),
    seq: until,
    position: String(until),
    lastOccurredAt,
    unreadable: folded.reduce((n, f) => n + f.unreadable, 0),
    blocks,
    block: { afterPosition: after(complete), minOccurredAt: mins[complete] ?? '9999' },
  };
}

/**
 * Starts a thread a partition; resolves with every fold, or rejects with the first failure once every
 * thread has stopped. The others are asked to stop (`stop`), not terminated: `terminate()` landing while
 * a thread still loads its modules can abort the whole process (V8's "Empty MaybeLocal"), and once in
 * a full test run it did, when one partition failed at once and the other was still loading.
 */
async function foldAll(
  plan: PartitionPlan, every: number, log: Logger | undefined, onMessage: (part: number, m: Exclude<FromPartition, Done | { type: 'failed' }>) => void,
): Promise<Done[]> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: plan.parts }, (_, part) => startThread(new URL('./rebuild-partition-thread.ts', import.meta.url), {
    eventsFile: plan.eventsFile, part, parts: plan.parts, every, until: plan.until, logLevel: log?.level ?? 'silent', stop,
  } satisfies PartitionData));
  const exited = workers.map((worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())));
  const folds = workers.map((worker, part) => new Promise<Done>((resolve, reject) => {
    worker.on('message', (m: FromPartition) => {
      if (m.type === 'done') resolve(m);
      else if (m.type === 'failed') reject(new Error(`partition ${part} of the rebuild failed: ${m.error}`));
      else {
        try {
          onMessage(part, m);
        } catch (error) {
          reject(error);
        }
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`partition ${part} of the rebuild exited (code ${code}) before it was done`)));
  }));
  try {
    return await Promise.all(folds);
  } catch (error) {
    Atomics.store(stop, 0, 1);
    throw error;
  } finally {
    await Promise.all(exited);
  }
}
