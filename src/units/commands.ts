import { z } from 'zod';
import { id, text } from '../shared/schemas.js';
import { UnitKind } from './events.js';

export const RegisterUnit = z.object({ id, kind: UnitKind, name: text(300), parentId: id.nullish() });
export const RenameUnit = z.object({ unitId: id, name: text(300), reason: text(2000) });

export type UnitCommand =
  | { type: 'RegisterUnit'; data: z.infer<typeof RegisterUnit> }
  | { type: 'RenameUnit'; data: z.infer<typeof RenameUnit> };
