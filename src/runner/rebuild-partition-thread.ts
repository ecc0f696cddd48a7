import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import type { HistoryEntry } from '../../projections/history.js';
import { decodeOwn } from '../events.js';
import { type EventRow, READ_COLUMNS, toRecorded } from '../eventstore/sqlite.js';
import { BLOCK, ReadModel, occurredAtOf } from './read-model.js';
import { PAGE } from './rebuild.js';
import { type FromPartition, type PartitionData, partitionOf } from './rebuild-partitioned.js';
import { Snapshots } from './snapshots.js';

/**
 * One partition of a partitioned rebuild (rebuild-partitioned.ts): the events of its streams, in
 * the store's order, folded into a read model held in memory (no audit log, nothing written); its
 * share of each snapshot posted as it is taken, its rows, commitment changes and blocks at the end.
 */
const data = workerData as PartitionData;
const port = parentPort!;
const send = (m: FromPartition) => port.postMessage(m);
const log = pino({ level: data.logLevel, base: { service: 'tiendo', thread: `rebuild-partition-${data.part}` } });

async function fold(): Promise<FromPartition> {
  const db = new Database(data.eventsFile, { readonly: true });
  // Chosen in SQL: a thread reads back, and parses, only its own events.
  db.function('partition_of', { deterministic: true }, (stream: unknown) => partitionOf(String(stream), data.parts));
  const page = db.prepare<[number, number, number], EventRow>(
    `SELECT ${READ_COLUMNS} FROM events WHERE position > ? AND position <= ? AND partition_of(stream) = ? ORDER BY position LIMIT ${PAGE}`);
  const model = new ReadModel(':memory:', decodeOwn, log, { auditLog: false });
  model.bulkLoad(true);
  const snapshots = Number.isFinite(data.every)
    ? new Snapshots(model, data.every, log, (s) => send({ type: 'piece', seq: s.seq, base: s.base, lastOccurredAt: s.lastOccurredAt, rows: s.rows }), true)
    : null;
  snapshots?.staging(true);
  let next = data.every;
  /** Every snapshot at a position up to `position` (this partition's events up to there folded): its share taken. */
  const takeUpTo = async (position: number) => {
    for (; snapshots && next <= position; next += data.every) {
      await snapshots.take({ seq: next, position: String(next), lastOccurredAt: model.views.lastOccurredAt ?? '' });
    }
  };
  const commitments: [number, HistoryEntry][] = [];
  const blockMins: (string | undefined)[] = [];
  let events = 0;
  for (let after = 0; ;) {
    // Another partition failed: this one stops too (rebuild-partitioned.ts, foldAll).
    if (Atomics.load(data.stop, 0) !== 0) throw new Error('stopped: another partition failed');
    const rows = page.all(after, data.until, data.part);
    if (rows.length === 0) break;
    for (const row of rows) {
      await takeUpTo(row.position - 1);
      const r = toRecorded(row);
      // What ReadModel.apply counts of a block, for the blocks put together from every partition's.
      const occurredAt = occurredAtOf(r);
      const block = Math.floor((row.position - 1) / BLOCK);
      if (occurredAt !== undefined && !(blockMins[block]! <= occurredAt)) blockMins[block] = occurredAt;
      const notice = model.apply(r);
      if (notice?.history) commitments.push([row.position, notice.history]);
      events++;
    }
    // Kept above with their positions.
    model.newCommitments = [];
    after = rows[rows.length - 1]!.position;
    send({ type: 'progress', events });
  }
  await takeUpTo(data.until);
  await snapshots?.settled();
  db.close();
  const done: FromPartition = {
    type: 'done', events, rows: [...model.views.rows()], commitments, blockMins, lastOccurredAt: model.views.lastOccurredAt, unreadable: model.unreadable,
  };
  model.close();
  return done;
}

let outcome: FromPartition;
try {
  outcome = await fold();
} catch (error) {
  outcome = { type: 'failed', error: String(error) };
}
send(outcome);
