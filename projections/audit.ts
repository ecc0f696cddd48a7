import type { RecordedEvent } from '../src/eventstore/port.js';
import type { Actor, Basis } from '../src/shared/schemas.js';

/**
 * The audit log's projection: every stored event as "who did what, when, from which request".
 * Events carry it all in their metadata (actor, occurredAt, correlationId = the request id,
 * causationId, clientMutationId, reason, basis); what the projection works out is which units an
 * event concerns, and files it under them and every unit above them, so that a leader's page of
 * their subtree is one range of an index. Every stored event, unreadable ones included: the log
 * is of what the store holds. The read model keeps only what a filter asks about and the units
 * (auditEntry); a page reads its events back from the store and makes their records (auditRecord).
 */
export interface AuditRecord {
  /** Place in the store's global order (the read model's event count): the cursor key. */
  seq: number;
  id: string;
  stream: string;
  type: string;
  at: string;
  recordedAt: string;
  actor: Actor;
  correlationId: string;
  causationId: string | null;
  clientMutationId: string | null;
  reason: string | null;
  basis: Basis[];
  /** The task the event concerns, when it concerns one. */
  taskId: string | null;
  /** The units it concerns: those named in its stream so far and in it, and its task's lead unit. */
  units: string[];
}

/** What the projection reads besides the event: the state it kept and the read model's unit tree. */
export interface AuditContext {
  /** Units named in the event's stream before it. */
  streamUnits: readonly string[];
  /** A task's lead unit now (after the event). */
  taskLead: (taskId: string) => string | undefined;
  /** A unit's parent in the tree as it stands after the event. */
  parentOf: (unitId: string) => string | null | undefined;
  /**
   * `filedUnder(units, parentOf)` for the tree as it stands, if the caller keeps it: most events'
   * `units` is their stream's list, the same array from one event to the next (the runner's memo).
   */
  filedUnder?: (units: readonly string[]) => readonly string[];
}

export interface AuditEntry {
  /** The task the event concerns, when it concerns one. */
  taskId: string | null;
  /** The units it concerns: AuditRecord.units. */
  units: readonly string[];
  /** The units named in its stream, this event included: the next event's `streamUnits` (shared with it, never changed). */
  streamUnits: readonly string[];
  /** The units it concerns and every unit above them: a leader of any of them may read it. */
  filedUnder: readonly string[];
  /** A unit moved in the tree (a merger re-parents it): all filed under it is filed under these too. */
  refile: { unitId: string; under: string[] } | null;
}

interface StoredMetadata {
  actor?: Partial<Actor>;
  occurredAt?: string;
  correlationId?: string;
  causationId?: string | null;
  clientMutationId?: string;
  reason?: string;
  basis?: Basis[];
}

/** Data fields that name a unit, by tiendo's naming: unitId, leadUnitId, teamUnitId, toUnitId … */
const UNIT_FIELD = /^(unitId|[a-z][A-Za-z]*UnitId|into)$/;
/** … and lists of them: targetUnitIds, coordinatorIds. */
const UNIT_LIST_FIELD = /^([a-z][A-Za-z]*UnitIds|coordinatorIds)$/;
/** Deeper than the tree can be: a cycle in tampered data stops here. */
const MAX_DEPTH = 64;

/** What each data field name is, by the patterns above: a few dozen names, met once per event. */
const fieldKinds = new Map<string, 'unit' | 'units' | 'children' | null>();
const fieldKind = (key: string) => {
  let kind = fieldKinds.get(key);
  if (kind === undefined) {
    kind = UNIT_FIELD.test(key) ? 'unit' : UNIT_LIST_FIELD.test(key) ? 'units' : key === 'children' ? 'children' : null;
    fieldKinds.set(key, kind);
  }
  return kind;
};

function unitsNamedIn(data: unknown): string[] {
  if (!data || typeof data !== 'object') return [];
  const out: string[] = [];
  for (const key in data) {
    const kind = fieldKind(key);
    if (kind === null) continue;
    const value = (data as Record<string, unknown>)[key];
    if (typeof value === 'string' && kind === 'unit') out.push(value);
    else if (Array.isArray(value) && kind === 'units') out.push(...value.filter((v): v is string => typeof v === 'string'));
    else if (kind === 'children' && Array.isArray(value)) {
      // A delegation names the units it hands the task down to.
      for (const child of value) if (child && typeof (child as { leadUnitId?: unknown }).leadUnitId === 'string') out.push((child as { leadUnitId: string }).leadUnitId);
    }
  }
  return out;
}

function above(unitId: string, parentOf: AuditContext['parentOf']): string[] {
  const out: string[] = [];
  for (let u = parentOf(unitId); u && out.length < MAX_DEPTH; u = parentOf(u)) out.push(u);
  return out;
}

/** Pure: what the log keeps of one stored event, given what came before it. */
export function auditEntry(event: RecordedEvent, ctx: AuditContext): AuditEntry {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const named = unitsNamedIn(data);
  // Most events name no unit their stream has not: the stream's list is then passed on as it is.
  const streamUnits = named.every((u) => ctx.streamUnits.includes(u))
    ? ctx.streamUnits
    : [...new Set([...ctx.streamUnits, ...named])];
  const taskId = taskOf(event);
  const lead = taskId ? ctx.taskLead(taskId) : undefined;
  const units = lead && !streamUnits.includes(lead) ? [...streamUnits, lead] : streamUnits;
  const moved = event.type === 'UnitReparented' && typeof data.unitId === 'string' ? data.unitId : null;
  return {
    taskId,
    units,
    streamUnits,
    filedUnder: ctx.filedUnder ? ctx.filedUnder(units) : filedUnder(units, ctx.parentOf),
    refile: moved ? { unitId: moved, under: above(moved, ctx.parentOf) } : null,
  };
}

/** Pure: `units` and every unit above them, each once. */
export function filedUnder(units: readonly string[], parentOf: AuditContext['parentOf']): string[] {
  const filed = new Set<string>();
  for (const u of units) {
    filed.add(u);
    for (const a of above(u, parentOf)) filed.add(a);
  }
  return [...filed];
}

const taskOf = (event: RecordedEvent): string | null => {
  const taskId = (event.data as { taskId?: unknown } | null)?.taskId;
  return typeof taskId === 'string' ? taskId : null;
};

/** The actor, instant and kind a filter asks about, as auditRecord gives them. */
export function auditFacts(event: RecordedEvent): { actorId: string; at: string; action: string } {
  const meta = (event.metadata ?? {}) as StoredMetadata;
  return { actorId: meta.actor?.id ?? 'unknown', at: meta.occurredAt ?? event.recordedAt, action: event.type };
}

/** Pure: the record of one stored event, numbered `seq`, concerning `units` (its AuditEntry's). */
export function auditRecord(event: RecordedEvent, seq: number, units: string[]): AuditRecord {
  const meta = (event.metadata ?? {}) as StoredMetadata;
  const facts = auditFacts(event);
  return {
    seq,
    id: event.id,
    stream: event.stream,
    type: facts.action,
    at: facts.at,
    recordedAt: event.recordedAt,
    actor: { id: facts.actorId, role: meta.actor?.role ?? 'admin', unit: meta.actor?.unit ?? 'unknown' } as Actor,
    correlationId: meta.correlationId ?? '',
    causationId: meta.causationId ?? null,
    clientMutationId: meta.clientMutationId ?? null,
    reason: meta.reason ?? null,
    basis: Array.isArray(meta.basis) ? meta.basis : [],
    taskId: taskOf(event),
    units,
  };
}
