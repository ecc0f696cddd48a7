import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { NewEvent, RecordedEvent } from './eventstore/port.js';
import { type Decided, type Envelope, EventMetadata } from './shared/schemas.js';
import { type InspectionEvent, inspectionEventSchemas } from './inspections/events.js';
import { type ObstacleEvent, obstacleEventSchemas } from './obstacles/events.js';
import { type ReportEvent, reportEventSchemas } from './reports/events.js';
import { type TaskEvent, taskEventSchemas } from './tasks/events.js';
import { type UnitEvent, unitEventSchemas } from './units/events.js';

/** Every event type tiendo stores, with the zod schema of its current version. */
const schemas: Record<string, z.ZodType> = {
  ...unitEventSchemas, ...taskEventSchemas, ...obstacleEventSchemas, ...inspectionEventSchemas, ...reportEventSchemas,
};

export type DomainEvent = UnitEvent | TaskEvent | ObstacleEvent | InspectionEvent | ReportEvent;
export type DomainEnvelope = Envelope<DomainEvent>;

/** Current schemaVersion per type; a type not listed is at version 1. */
const currentVersion: Record<string, number> = {};

/**
 * Upcasters lift stored data one version at a time: upcasters[type][v] turns version v into v+1.
 * Read paths always see the current shape.
 */
const upcasters: Record<string, Record<number, (data: unknown) => unknown>> = {};

export const schemaVersionOf = (type: string) => currentVersion[type] ?? 1;

export class UnreadableEventError extends Error {
  constructor(readonly event: RecordedEvent, detail: string) {
    super(`event ${event.id} (${event.type}) at ${event.stream}@${event.revision} does not match its schema: ${detail}`);
    this.name = 'UnreadableEventError';
  }
}

/** Validates and upcasts a stored event. Anything that does not match its schema is refused. */
export function decode(recorded: RecordedEvent): DomainEnvelope {
  const schema = schemas[recorded.type];
  if (!schema) throw new UnreadableEventError(recorded, 'unknown event type');
  const meta = EventMetadata.safeParse(recorded.metadata);
  if (!meta.success) throw new UnreadableEventError(recorded, `metadata: ${meta.error.message}`);
  let data = recorded.data;
  const target = schemaVersionOf(recorded.type);
  for (let v = meta.data.schemaVersion; v < target; v++) {
    const up = upcasters[recorded.type]?.[v];
    if (!up) throw new UnreadableEventError(recorded, `no upcaster from version ${v}`);
    data = up(data);
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

/** The stored form of a decided event; its data is checked against the schema before writing. */
export function encode(event: Decided, base: MetadataBase, id: string = randomUUID()): NewEvent {
  const schema = schemas[event.type];
  if (!schema) throw new Error(`no schema for event type ${event.type}`);
  const data = schema.parse(event.data);
  const metadata: EventMetadata = {
    ...base, schemaVersion: schemaVersionOf(event.type), basis: event.basis ?? [],
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
  };
  return { id, type: event.type, data, metadata };
}
