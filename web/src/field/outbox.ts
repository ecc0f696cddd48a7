/**
 * The field page's outbox: every action taken on the page, in IndexedDB, in the order it was
 * taken. An entry keeps its clientMutationId (made when it was queued, so a resend after a lost
 * answer is recognised by the server and writes nothing) and the task version the user saw.
 */

export type ActionKind = 'reportProgress' | 'raiseObstacle' | 'reportCompletion' | 'submitPeriodicReport';

/** A task as the page caches it (FIELD_TASK in queries.ts). */
export interface FieldTask {
  id: string;
  title: string;
  deadline: string | null;
  status: string;
  phase: string;
  progress: number | null;
  version: number;
  updatedAt: string;
  indicators: { code: string; name: string; unitOfMeasure: string; target: number | null; actual: number | null }[];
}

export type EntryState = 'pending' | 'sent' | 'conflict' | 'refused';

export interface Entry {
  /** Queue order (IndexedDB key). */
  seq?: number;
  clientMutationId: string;
  /** Whose token queued it: sent only with that actor's token. */
  actor: string;
  kind: ActionKind;
  /** The task acted on; null for the periodic report (a unit's). */
  taskId: string | null;
  /** The task version the action was decided on (sent as expectedVersion where the API takes one). */
  expectedVersion: number | null;
  input: Record<string, unknown>;
  queuedAt: string;
  state: EntryState;
  /** Times it was handed to the network (a resend after a lost answer counts). */
  attempts: number;
  position?: string;
  /** Why the server refused it, and the task as it is now: what changed meanwhile. */
  problem?: { code: string; message: string; now: FieldTask | null };
}

const DB = 'tiendo-field';
const STORE = 'outbox';

let opened: Promise<IDBDatabase> | null = null;

function db(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

async function run<T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const tx = (await db()).transaction(STORE, mode);
  const req = op(tx.objectStore(STORE));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Queues an action; resolves once it is on disk. */
export async function enqueue(entry: Omit<Entry, 'seq' | 'state' | 'attempts' | 'clientMutationId' | 'queuedAt'>): Promise<Entry> {
  const full: Entry = { ...entry, clientMutationId: crypto.randomUUID(), queuedAt: new Date().toISOString(), state: 'pending', attempts: 0 };
  full.seq = Number(await run('readwrite', (s) => s.add(full)));
  return full;
}

/** Every entry, oldest first. */
export const entries = (): Promise<Entry[]> => run('readonly', (s) => s.getAll() as IDBRequest<Entry[]>);

export const save = (entry: Entry): Promise<IDBValidKey> => run('readwrite', (s) => s.put(entry));
