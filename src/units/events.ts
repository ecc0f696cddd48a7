import { z } from 'zod';
import { type EventsOf, id, isoDate, text } from '../shared/schemas.js';

export const UnitKind = z.enum(['GOVERNMENT', 'MINISTRY', 'AGENCY', 'PROVINCE', 'DISTRICT', 'COMMUNE', 'VILLAGE', 'WORKING_GROUP']);
export type UnitKind = z.infer<typeof UnitKind>;

export const unitEventSchemas = {
  UnitRegistered: z.object({ unitId: id, kind: UnitKind, name: text(300), parentId: id.nullable() }),
  UnitRenamed: z.object({ unitId: id, name: text(300), previousName: z.string() }),
  /** On the surviving unit: these units merge into it (sáp nhập), from this date. */
  UnitsMergedInto: z.object({ unitId: id, from: z.array(id).min(1), effectiveOn: isoDate }),
  /** On each merged unit: it ceases, its open work and its children go to `into`. */
  UnitMerged: z.object({ unitId: id, into: id, effectiveOn: isoDate }),
  /** A unit moves under another parent (its old parent merged away or was dissolved). */
  UnitReparented: z.object({ unitId: id, parentId: id, previousParentId: id.nullable() }),
};
export type UnitEvent = EventsOf<typeof unitEventSchemas>;

export const unitStream = (unitId: string) => `unit-${unitId}`;
