import { z } from 'zod';
import { type EventsOf, id, text } from '../shared/schemas.js';

export const UnitKind = z.enum(['GOVERNMENT', 'MINISTRY', 'AGENCY', 'PROVINCE', 'DISTRICT', 'COMMUNE', 'VILLAGE', 'WORKING_GROUP']);
export type UnitKind = z.infer<typeof UnitKind>;

export const unitEventSchemas = {
  UnitRegistered: z.object({ unitId: id, kind: UnitKind, name: text(300), parentId: id.nullable() }),
  UnitRenamed: z.object({ unitId: id, name: text(300), previousName: z.string() }),
};
export type UnitEvent = EventsOf<typeof unitEventSchemas>;

export const unitStream = (unitId: string) => `unit-${unitId}`;
