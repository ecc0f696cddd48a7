import type { EventStore, RecordedEvent } from '../eventstore/port.js';
import type { Actor, Basis } from '../shared/schemas.js';

/**
 * The audit log: every stored event read back as "who did what, when, from which request".
 * Events carry it all in their metadata (actor, occurredAt, correlationId = the request id,
 * causationId, clientMutationId, reason, basis); what the log works out is which units an event
 * concerns, so that a leader sees their subtree's changes and no one else's.
 */
export interface AuditRecord {
  /** Place in the store's global order: the cursor key. */
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

function unitsNamedIn(data: unknown): string[] {
  if (!data || typeof data !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value === 'string' && UNIT_FIELD.test(key)) out.push(value);
    else if (Array.isArray(value) && UNIT_LIST_FIELD.test(key)) out.push(...value.filter((v): v is string => typeof v === 'string'));
    else if (key === 'children' && Array.isArray(value)) {
      // A delegation names the units it hands the task down to.
      for (const child of value) if (child && typeof (child as { leadUnitId?: unknown }).leadUnitId === 'string') out.push((child as { leadUnitId: string }).leadUnitId);
    }
  }
  return out;
}

/** Follows the store in global order; `add` turns each event into its audit record. */
export class AuditTrail {
  private readonly streamUnits = new Map<string, Set<string>>();
  private readonly taskLead = new Map<string, string>();
  private seq = 0;

  add(event: RecordedEvent): AuditRecord {
    const meta = (event.metadata ?? {}) as StoredMetadata;
    const data = (event.data ?? {}) as Record<string, unknown>;
    const named = unitsNamedIn(data);
    let units = this.streamUnits.get(event.stream);
    if (!units) this.streamUnits.set(event.stream, (units = new Set()));
    for (const u of named) units.add(u);

    const taskId = typeof data.taskId === 'string' ? data.taskId : null;
    if (taskId && event.stream === `task-${taskId}` && typeof data.leadUnitId === 'string') this.taskLead.set(taskId, data.leadUnitId);
    const concerned = new Set(units);
    const lead = taskId ? this.taskLead.get(taskId) : undefined;
    if (lead) concerned.add(lead);

    return {
      seq: this.seq++,
      id: event.id,
      stream: event.stream,
      type: event.type,
      at: meta.occurredAt ?? event.recordedAt,
      recordedAt: event.recordedAt,
      actor: { id: meta.actor?.id ?? 'unknown', role: meta.actor?.role ?? 'admin', unit: meta.actor?.unit ?? 'unknown' } as Actor,
      correlationId: meta.correlationId ?? '',
      causationId: meta.causationId ?? null,
      clientMutationId: meta.clientMutationId ?? null,
      reason: meta.reason ?? null,
      basis: Array.isArray(meta.basis) ? meta.basis : [],
      taskId,
      units: [...concerned],
    };
  }
}

export interface AuditFilter {
  /** Inclusive bounds on when it happened (ISO-8601 instants, any offset). */
  from?: string | null;
  to?: string | null;
  actorId?: string | null;
  /** Keep records concerning units for which this holds (the reader's scope, or a unit asked about). */
  concerns?: ((unitId: string) => boolean) | null;
  /** A last say, e.g. confidential tasks the reader may not see. */
  keep?: (record: AuditRecord) => boolean;
}

const instant = (s: string) => new Date(s).getTime();

export interface AuditPage {
  /** The records after the cursor, at most `first`, oldest first. */
  records: AuditRecord[];
  /** Every record the filter lets through. */
  total: number;
  hasNextPage: boolean;
}

/**
 * Reads the whole store in global order, in batches, counting the records the filter lets through
 * and keeping only the page asked for (`first` after the record numbered `afterSeq`): at a million
 * events, keeping every match held hundreds of megabytes. The event loop is given back between
 * batches, so other requests are answered while an audit query reads.
 */
export async function readAuditLog(
  store: EventStore, filter: AuditFilter, page: { first: number; afterSeq?: number }, batch = 2_000,
): Promise<AuditPage> {
  const from = filter.from ? instant(filter.from) : -Infinity;
  const to = filter.to ? instant(filter.to) : Infinity;
  const afterSeq = page.afterSeq ?? -1;
  const trail = new AuditTrail();
  const records: AuditRecord[] = [];
  let total = 0;
  let afterCursor = 0;
  let position: string | 'start' = 'start';
  for (;;) {
    const events = await store.readAll({ fromPosition: position, maxCount: batch });
    for (const event of events) {
      const record = trail.add(event);
      const at = instant(record.at);
      if (at < from || at > to) continue;
      if (filter.actorId && record.actor.id !== filter.actorId) continue;
      if (filter.concerns && !record.units.some(filter.concerns)) continue;
      if (filter.keep && !filter.keep(record)) continue;
      total++;
      if (record.seq <= afterSeq) continue;
      if (afterCursor++ < page.first) records.push(record);
    }
    if (events.length < batch) return { records, total, hasNextPage: afterCursor > page.first };
    position = events[events.length - 1]!.position;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
