import { type HistoryEntry, historyEntry } from '../../projections/history.js';
import { type TaskView, taskSteps } from '../../projections/task-view.js';
import type { DomainEnvelope } from '../events.js';

/** Reads a task's decoded events from revision `fromRevision` up to `upToRevision` (the runner's `events`). */
export type ReadTaskEvents = (taskId: string, fromRevision: number, upToRevision: number) => Promise<DomainEnvelope[]>;

interface Folded {
  /** The highest revision read so far (an event the view ignores still counts). */
  readTo: number;
  /** The view after the last step, which newer events continue. */
  view: TaskView | null;
  /** An entry per step, by revision. */
  entries: readonly HistoryEntry[];
}

/** History entries held in all (about half a kilobyte each): the tasks asked about lately. */
export const HISTORY_MEMO_ENTRIES = 100_000;

/** Asks after which every task's count of asks is halved: what was asked often long ago fades. */
const AGE_AFTER_ASKS = 100_000;

/**
 * Every task's history entries, folded once and then extended by the events appended since,
 * instead of folding the whole stream on every request (bench/README.md). Valid for ever: a
 * stream's events up to a revision never change (append-only, hash-chained), and the entry of an
 * event depends only on the events before it, so the entries up to an older revision (an asOf
 * read, a caller behind the store) are a prefix of the memo's. Least recently used tasks go first,
 * but only for a task asked more often lately than they were (TinyLFU's admission): with plain LRU,
 * tasks asked in turn that do not all fit (a leader going down a list, the bench's 2,000 tasks)
 * evicted each other before their next turn and every ask folded the stream again.
 */
export class TaskHistories {
  private readonly memo = new Map<string, Folded>();
  private held = 0;
  /** Asks per task lately (halved every AGE_AFTER_ASKS asks). */
  private readonly asked = new Map<string, number>();
  private asks = 0;

  constructor(private readonly read: ReadTaskEvents, private readonly maxEntries = HISTORY_MEMO_ENTRIES) {}

  /** The entries of the task's events up to `upToRevision` (by default all the store has), oldest first. */
  async entries(taskId: string, upToRevision = Number.POSITIVE_INFINITY): Promise<readonly HistoryEntry[]> {
    this.count(taskId);
    const known = this.memo.get(taskId);
    if (known && known.readTo >= upToRevision) {
      this.touch(taskId, known);
      return known.readTo === upToRevision ? known.entries : known.entries.filter((h) => h.revision <= upToRevision);
    }
    const base: Folded = known ?? { readTo: -1, view: null, entries: [] };
    const events = await this.read(taskId, base.readTo + 1, upToRevision);
    const steps = taskSteps(events, base.view);
    const folded: Folded = {
      readTo: Number.isFinite(upToRevision) ? upToRevision : Math.max(base.readTo, events.at(-1)?.revision ?? -1),
      view: steps.at(-1)?.after ?? base.view,
      entries: [...base.entries, ...steps.map((s) => historyEntry(s.before, s.after, s.event))],
    };
    // Another request may have extended it meanwhile: keep the longer fold.
    const now = this.memo.get(taskId);
    if (!now || now.readTo < folded.readTo) this.touch(taskId, folded);
    return folded.entries;
  }

  private count(taskId: string): void {
    this.asked.set(taskId, (this.asked.get(taskId) ?? 0) + 1);
    if (++this.asks < AGE_AFTER_ASKS) return;
    this.asks = 0;
    for (const [id, n] of this.asked) {
      if (n > 1) this.asked.set(id, n >> 1);
      else this.asked.delete(id);
    }
  }

  /** Whether a task not held may take the place of those it would evict: asked more often lately than each of them. */
  private admits(taskId: string, size: number): boolean {
    const asked = this.asked.get(taskId) ?? 0;
    let room = this.maxEntries - this.held;
    for (const [id, f] of this.memo) {
      if (room >= size) return true;
      if ((this.asked.get(id) ?? 0) >= asked) return false;
      room += f.entries.length;
    }
    return true;
  }

  /** Puts the task last in the order of eviction, then evicts down to the bound. */
  private touch(taskId: string, folded: Folded): void {
    const old = this.memo.get(taskId);
    if (old) {
      this.memo.delete(taskId);
      this.held -= old.entries.length;
    } else if (!this.admits(taskId, folded.entries.length)) return;
    this.memo.set(taskId, folded);
    this.held += folded.entries.length;
    for (const [id, f] of this.memo) {
      if (this.held <= this.maxEntries || id === taskId) break;
      this.memo.delete(id);
      this.held -= f.entries.length;
    }
  }
}
