import { z } from 'zod';
import { Basis, id, isoDate, text } from '../shared/schemas.js';
import { UnitKind } from './events.js';

export const RegisterUnit = z.object({ id, kind: UnitKind, name: text(300), parentId: id.nullish() });
export const RenameUnit = z.object({ unitId: id, name: text(300), reason: text(2000) });
export const MergeUnits = z.object({
  from: z.array(id).min(1).max(200), into: id, effectiveOn: isoDate, reason: text(2000), basis: z.array(Basis).max(20).default([]),
});

export type UnitCommand =
  | { type: 'RegisterUnit'; data: z.infer<typeof RegisterUnit> }
  | { type: 'RenameUnit'; data: z.infer<typeof RenameUnit> }
  | { type: 'MergeUnits'; data: z.output<typeof MergeUnits> };
