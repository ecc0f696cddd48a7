import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { SqliteEventStore } from '../eventstore/sqlite.js';
import { ProjectionRunner } from './runner.js';
import type { Batch, FromWorker, PostedNotice, RebuildReply, Request, ToWorker, WorkerData } from './worker-host.js';

/**
 * The projection worker (TIENDO_RUNNER_WORKER): the live runner, in-thread mode, on its own
 * connection to events.db (it sees the main thread's appends by PRAGMA data_version, woken by a
 * nudge after each group commit). It writes views.db, snapshots and the audit log, and posts what
 * it applied in batches; the main thread's views load the rows (worker-host.ts, runner.ts).
 */

/** A catch-up posts at most this many events at a time (the main thread applies a batch in one go). */
const BATCH = 1000;
/** An unreadable event moves the position without an `applied` notice: looked for this often. */
const POSITION_CHECK_MS = 50;

const data = workerData as WorkerData;
const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);
const log = pino({ level: data.logLevel, base: { service: 'tiendo', thread: 'projections' } });
const store = new SqliteEventStore(data.eventsFile);
const runner = new ProjectionRunner(store, data.viewsFile, log, undefined, {
  snapshotEvery: data.snapshotEvery, writerThread: false, keepAuditLog: data.keepAuditLog, rebuildPartitions: data.rebuildPartitions,
});
/**
 * Fault injection for the e2e test of a dying worker (test/e2e/runner-worker.test.ts), read only
 * under NODE_ENV=test: the first CRASH_TIMES workers (default 1) die on applying CRASH_AT.
 */
const crashAt = process.env.NODE_ENV === 'test' && data.generation < Number(process.env.TIENDO_TEST_RUNNER_WORKER_CRASH_TIMES ?? 1)
  ? process.env.TIENDO_TEST_RUNNER_WORKER_CRASH_AT : undefined;

let notices: PostedNotice[] = [];
let posted: string | null = null;
let scheduled = false;

function post(): void {
  scheduled = false;
  const v = runner.views;
  if (notices.length === 0 && v.position === posted) return;
  posted = v.position;
  const batch: Batch = { notices, position: v.position, lastOccurredAt: v.lastOccurredAt, unreadable: runner.unreadable };
  notices = [];
  send({ type: 'batch', batch });
}

runner.on('applied', (n) => {
  notices.push({ event: n.event, row: n.row, history: n.history, notification: n.notification });
  if (crashAt && store.comparePositions(n.event.position, crashAt) >= 0) {
    setImmediate(() => {
      throw new Error(`TIENDO_TEST_RUNNER_WORKER_CRASH_AT: crashed at ${n.event.position}`);
    });
  }
  if (notices.length >= BATCH) post();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(post);
  }
});
runner.on('caughtUp', () => {
  post();
  send({ type: 'caughtUp' });
});
const positionCheck = setInterval(post, POSITION_CHECK_MS);
if (data.follow) {
  runner.start();
  posted = runner.views.position;
}

async function answer(id: number, request: Request): Promise<void> {
  try {
    let value: unknown;
    switch (request.op) {
      case 'commitmentChanges':
        value = await runner.commitmentChanges(request.from, request.to);
        break;
      case 'auditRows': {
        const { rows, hasNextPage } = runner.auditRows(request.query);
        value = { rows, hasNextPage };
        break;
      }
      case 'auditCount':
        value = await runner.auditRows(request.query).count();
        break;
      case 'rebuild': {
        const done = await runner.rebuild((n) => send({ type: 'progress', done: n }));
        value = { done, keptAuditEvents: runner.keptAuditEvents } satisfies RebuildReply;
        break;
      }
      default: {
        const never: never = request;
        value = never;
      }
    }
    send({ type: 'reply', id, ok: true, value });
  } catch (error) {
    send({ type: 'reply', id, ok: false, error: (error as Error).message });
  }
}

async function stop(): Promise<void> {
  clearInterval(positionCheck);
  await runner.stop();
  post();
  await store.dispose();
  process.exit(0);
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'nudge':
      store.othersWrites();
      return;
    case 'request':
      void answer(m.id, m.request);
      return;
    case 'stop':
      // A failed stop ends the thread with an error (exit code 1): the host reports it.
      stop().catch((error: unknown) => setImmediate(() => { throw error; }));
      return;
    default: {
      const never: never = m;
      return never;
    }
  }
});
