/**
 * Sends the outbox, oldest first, one entry at a time. An entry leaves the queue only on an
 * answer: sent, or refused for good (CONFLICT: the task changed meanwhile; FORBIDDEN, NOT_FOUND,
 * BAD_USER_INPUT), then set aside with the task as it is now and never sent again. No connection,
 * or a server that is struggling (INTERNAL, 429, 5xx), stops the round and the entry waits; a resend
 * carries the same clientMutationId, so a write whose answer was lost is not written twice.
 */
import { post } from '../api.js';
import { token, updateTask } from './cache.js';
import { type ActionKind, type Entry, type FieldTask, entries, save } from './outbox.js';
import * as Q from './queries.js';

const MUTATIONS: Record<ActionKind, { document: string; versioned: boolean }> = {
  reportProgress: { document: Q.REPORT_PROGRESS, versioned: true },
  // An obstacle is a stream of its own and RaiseObstacleInput takes no expectedVersion; a task that
  // cannot take one any more still refuses it.
  raiseObstacle: { document: Q.RAISE_OBSTACLE, versioned: false },
  reportCompletion: { document: Q.REPORT_COMPLETION, versioned: true },
  submitPeriodicReport: { document: Q.SUBMIT_REPORT, versioned: false },
};

const FINAL: Record<string, 'conflict' | 'refused'> = {
  CONFLICT: 'conflict', FORBIDDEN: 'refused', NOT_FOUND: 'refused', BAD_USER_INPUT: 'refused',
};

/** How a round ended: everything answered, no connection, the token refused, or the server asked to wait. */
export type Drained = 'done' | 'offline' | 'signedOut' | 'later';

type Answer = Record<string, { task?: FieldTask; obstacle?: { task: FieldTask }; position: string }>;

/** One round over the actor's pending entries; `changed` after each entry that moved. */
export async function drain(actor: string, changed: () => void): Promise<Drained> {
  // Two tabs sending the same entry would write nothing twice (the clientMutationId), only waste the line.
  if (!navigator.locks) return round(actor, changed);
  return await navigator.locks.request('tiendo-field-outbox', () => round(actor, changed));
}

async function round(actor: string, changed: () => void): Promise<Drained> {
  const bearer = token.get();
  if (!bearer) return 'signedOut';
  const queue = (await entries()).filter((e) => e.state === 'pending' && e.actor === actor);
  for (const [i, entry] of queue.entries()) {
    const { document, versioned } = MUTATIONS[entry.kind];
    const input = {
      ...entry.input, clientMutationId: entry.clientMutationId,
      ...(versioned && entry.expectedVersion !== null ? { expectedVersion: entry.expectedVersion } : {}),
    };
    entry.attempts += 1;
    await save(entry);
    let answer: Awaited<ReturnType<typeof post<Answer>>>;
    try {
      answer = await post<Answer>(document, { input }, bearer);
    } catch {
      return 'offline';
    }
    const error = answer.body.errors?.[0];
    const code = error?.extensions?.code ?? '';
    if (answer.status === 401 || code === 'UNAUTHENTICATED') return 'signedOut';
    const payload = answer.body.data?.[entry.kind];
    if (!error && payload) {
      entry.state = 'sent';
      entry.position = payload.position;
      const task = payload.task ?? payload.obstacle?.task;
      if (task) {
        updateTask(task);
        rebase(queue.slice(i + 1), entry, task.version);
      }
    } else if (FINAL[code]) {
      entry.state = FINAL[code];
      entry.problem = { code, message: error!.message, now: entry.taskId ? await taskNow(entry.taskId, bearer) : null };
    } else {
      await save(entry);
      return 'later';
    }
    await save(entry);
    changed();
  }
  return 'done';
}

/**
 * Later entries on the same task decided on the same version as `sent` were the user's next
 * steps, not a rival's change: they now expect the version `sent` produced.
 */
function rebase(later: Entry[], sent: Entry, version: number): void {
  for (const next of later) {
    if (next.taskId === sent.taskId && next.expectedVersion === sent.expectedVersion) {
      next.expectedVersion = version;
      void save(next);
    }
  }
}

/** The task as the server has it now (and into the cache), or null when it cannot be read. */
async function taskNow(id: string, bearer: string): Promise<FieldTask | null> {
  try {
    const task = (await post<{ task: FieldTask | null }>(Q.FIELD_TASK_NOW, { id }, bearer)).body.data?.task ?? null;
    if (task) updateTask(task);
    return task;
  } catch {
    return null;
  }
}
