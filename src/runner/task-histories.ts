import { type FieldChange, type HistoryEntry, historyEntry } from '../../projections/history.js';
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

/** Field values up to this length are kept once however many entries hold them (percents, dates, unit ids). */
const SHARED_VALUE_CHARS = 24;
/** Past this many distinct parts, sharing starts afresh (entries keep what they hold): free text must not pile up. */
const SHARED_PARTS = 50_000;

/**
 * What entries repeat, kept once: the actor, the lead units, an empty basis, the kind and short field
 * values. An entry folded from its decoded event held its own copy of each (about 950 bytes an entry,
 * 90 MB for the bench's 2,000 tasks), and every full garbage collection marks them all.
 */
class SharedParts {
  private readonly actors = new Map<string, HistoryEntry['actor']>();
  private readonly units = new Map<string, string[]>();
  private readonly strings = new Map<string, string>();
  private readonly noBasis: HistoryEntry['basis'] = [];

  entry(e: HistoryEntry): HistoryEntry {
    if (this.strings.size + this.actors.size + this.units.size > SHARED_PARTS) {
      this.strings.clear();
      this.actors.clear();
      this.units.clear();
    }
    const a = e.actor;
    const actorKey = `${a.id}\u0000${a.role}\u0000${a.unit}`;
    let actor = this.actors.get(actorKey);
    if (!actor) this.actors.set(actorKey, (actor = { id: a.id, role: a.role, unit: a.unit }));
    const unitsKey = e.leadUnitIds.join('\u0000');
    let leadUnitIds = this.units.get(unitsKey);
    if (!leadUnitIds) this.units.set(unitsKey, (leadUnitIds = e.leadUnitIds));
    return {
      ...e, taskId: this.string(e.taskId), kind: this.string(e.kind), reason: e.reason === null ? null : this.string(e.reason), actor, leadUnitIds, basis: e.basis.length ? e.basis : this.noBasis,
      changes: e.changes.map((c): FieldChange => ({ field: c.field, from: this.value(c.from), to: this.value(c.to) })),
    };
  }

  private value(v: string | null): string | null {
    return v !== null && v.length <= SHARED_VALUE_CHARS ? this.string(v) : v;
  }

  private string(v: string): string {
    const known = this.strings.get(v);
    if (known !== undefined) return known;
    this.strings.set(v, v);
    return v;
  }
}

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
  private readonly shared = new SharedParts();

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
      entries: [...base.entries, ...steps.map((s) => this.shared.entry(historyEntry(s.before, s.after, s.event)))],
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
