import { newEventId } from './shared/ids.js';
import type { z } from 'zod';
import type { NewEvent, RecordedEvent } from './eventstore/port.js';
import { type Decided, type Envelope, EventMetadata } from './shared/schemas.js';
import { type InspectionEvent, inspectionEventSchemas } from './inspections/events.js';
import { type ObstacleEvent, obstacleEventSchemas } from './obstacles/events.js';
import { type ReportEvent, reportEventSchemas } from './reports/events.js';
import { type TaskEvent, taskEventSchemas } from './tasks/events.js';
import { type UnitEvent, unitEventSchemas } from './units/events.js';
import { type UnitReminderEvent, unitReminderSchemas } from './reminders/events.js';
import { type WebhookEvent, webhookEventSchemas } from './webhooks/events.js';
import { type DeliveryEvent, deliveryEventSchemas } from './webhooks/delivery.js';

/** Every event type tiendo stores, with the zod schema of its current version. */
const schemas: Record<string, z.ZodType> = {
  ...unitEventSchemas, ...taskEventSchemas, ...obstacleEventSchemas, ...inspectionEventSchemas, ...reportEventSchemas,
  // Issue 10: reminders on `reminders-<unit>` (the task and finding ones are in the task and inspection schemas), webhooks.
  ...unitReminderSchemas, ...webhookEventSchemas,
  // Issue 15: which replica sends a webhook delivery, on `delivery-<id>`.
  ...deliveryEventSchemas,
};

/** Every event type tiendo stores (webhooks may subscribe to any of them). */
export const eventTypes: ReadonlySet<string> = new Set(Object.keys(schemas));

export type DomainEvent = UnitEvent | TaskEvent | ObstacleEvent | InspectionEvent | ReportEvent | UnitReminderEvent | WebhookEvent | DeliveryEvent;
export type DomainEnvelope = Envelope<DomainEvent>;

/** Current schemaVersion per type; a type not listed is at version 1. */
const currentVersion: Record<string, number> = {};

/**
 * Upcasters lift stored data one version at a time: upcasters[type][v] turns version v into v+1.
 * Read paths always see the current shape.
 */
const upcasters: Record<string, Record<number, (data: unknown) => unknown>> = {};

/**
 * What decode and encode read events with. The default is tiendo's own; tests (and tools that read
 * an archive written by another version) pass their own.
 */
export interface EventRegistry {
  schemas: Record<string, z.ZodType>;
  currentVersion: Record<string, number>;
  upcasters: Record<string, Record<number, (data: unknown) => unknown>>;
}
export const eventRegistry: EventRegistry = { schemas, currentVersion, upcasters };

export const schemaVersionOf = (type: string, registry: EventRegistry = eventRegistry) => registry.currentVersion[type] ?? 1;

export class UnreadableEventError extends Error {
  constructor(readonly event: RecordedEvent, detail: string) {
    super(`event ${event.id} (${event.type}) at ${event.stream}@${event.revision} does not match its schema: ${detail}`);
    this.name = 'UnreadableEventError';
  }
}

/**
 * Validates and upcasts a stored event. Anything that does not match its schema is refused, and so
 * is a version newer than this tiendo knows (after a rollback): read as the current one, fields it
 * does not know would be dropped without a word.
 */
export function decode(recorded: RecordedEvent): DomainEnvelope {
  return decodeWith(eventRegistry, recorded);
}

/**
 * Reads back an event from tiendo's own store without a second zod parse when it is at the current
 * schema version: encode validated it on write (data and metadata are stored as the schemas output
 * them) and the hash chain proves it unchanged since. Used by rebuilds and asOf replays; an older
 * version (to upcast) or an unknown type goes through decode, and so does every event of another store.
 */
export function decodeOwn(recorded: RecordedEvent): DomainEnvelope {
  const meta = recorded.metadata as EventMetadata | null;
  if (typeof meta !== 'object' || meta === null || !schemas[recorded.type] || meta.schemaVersion !== schemaVersionOf(recorded.type)) return decode(recorded);
  return {
    id: recorded.id, stream: recorded.stream, revision: recorded.revision, position: recorded.position,
    recordedAt: recorded.recordedAt, type: recorded.type as DomainEvent['type'], data: recorded.data as DomainEvent['data'], meta,
  };
}

/** decode with another registry (a separate function: `decode` stays safe to pass to Array.map). */
export function decodeWith(registry: EventRegistry, recorded: RecordedEvent): DomainEnvelope {
  const schema = registry.schemas[recorded.type];
  if (!schema) throw new UnreadableEventError(recorded, 'unknown event type');
  const meta = EventMetadata.safeParse(recorded.metadata);
  if (!meta.success) throw new UnreadableEventError(recorded, `metadata: ${meta.error.message}`);
  let data = recorded.data;
  const target = schemaVersionOf(recorded.type, registry);
  if (meta.data.schemaVersion > target) {
    throw new UnreadableEventError(recorded, `written as version ${meta.data.schemaVersion}, newer than this tiendo reads (${target})`);
  }
  for (let v = meta.data.schemaVersion; v < target; v++) {
    const up = registry.upcasters[recorded.type]?.[v];
    if (!up) throw new UnreadableEventError(recorded, `no upcaster from version ${v}`);
    try {
      data = up(data);
    } catch (error) {
      throw new UnreadableEventError(recorded, `upcaster from version ${v} failed: ${(error as Error).message}`);
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UnreadableEventError(recorded, parsed.error.message);
  return {
    id: recorded.id, stream: recorded.stream, revision: recorded.revision, position: recorded.position,
    recordedAt: recorded.recordedAt, type: recorded.type as DomainEvent['type'], data: parsed.data as DomainEvent['data'],
    meta: { ...meta.data, schemaVersion: target },
  };
}

export type MetadataBase = Omit<EventMetadata, 'schemaVersion' | 'reason' | 'basis'>;

/** An encoded event: data and metadata as their schemas output them, which is what decode reads back. */
export interface EncodedEvent extends NewEvent {
  type: DomainEvent['type'];
  data: DomainEvent['data'];
  metadata: EventMetadata;
}

/**
 * The stored form of a decided event; its data and metadata are checked against their schemas
 * before writing, so an event this process wrote needs no decode to be read (run-command.ts).
 */
export function encode(event: Decided, base: MetadataBase, id: string = newEventId(), registry: EventRegistry = eventRegistry): EncodedEvent {
  const schema = registry.schemas[event.type];
  if (!schema) throw new Error(`no schema for event type ${event.type}`);
  const data = schema.parse(event.data) as DomainEvent['data'];
  const metadata = EventMetadata.parse({
    ...base, schemaVersion: schemaVersionOf(event.type, registry), basis: event.basis ?? [],
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
  });
  return { id, type: event.type as DomainEvent['type'], data, metadata };
}
