/** What the field page keeps between visits in localStorage: the token and the unit's open tasks. */
import type { FieldTask } from './outbox.js';

export interface Me { id: string; role: string; unit: { id: string; name: string } | null }
export interface Snapshot { me: Me; tasks: FieldTask[]; at: string }

const TOKEN = 'tiendo.field.token';
const TASKS = 'tiendo.field.tasks';

export const token = {
  get: (): string | null => localStorage.getItem(TOKEN),
  set: (value: string): void => localStorage.setItem(TOKEN, value),
  /** The token only: a refused token keeps the cached tasks for the next sign-in. */
  forget: (): void => localStorage.removeItem(TOKEN),
  clear: (): void => {
    localStorage.removeItem(TOKEN);
    localStorage.removeItem(TASKS);
  },
};

export function readSnapshot(): Snapshot | null {
  try {
    return JSON.parse(localStorage.getItem(TASKS) ?? 'null') as Snapshot | null;
  } catch {
    return null;
  }
}

export const writeSnapshot = (snapshot: Snapshot): void => localStorage.setItem(TASKS, JSON.stringify(snapshot));

/** Puts a task the server returned into the cached list (the version moves on). */
export function updateTask(task: FieldTask): void {
  const snap = readSnapshot();
  if (!snap) return;
  writeSnapshot({ ...snap, tasks: snap.tasks.map((t) => (t.id === task.id ? task : t)) });
}
