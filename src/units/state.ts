import type { UnitKind } from './events.js';

export interface UnitState {
  id: string;
  kind: UnitKind;
  name: string;
  parentId: string | null;
  /** Every name the unit has had, oldest first: history keeps the old names. */
  previousNames: string[];
  /** MERGED once it merged into another unit; it stays in history under its old name. */
  status: 'ACTIVE' | 'MERGED';
  mergedInto: string | null;
  /** Units merged into this one, with the dates they took effect. */
  absorbed: { unitId: string; effectiveOn: string }[];
}

export const isActiveUnit = (u: UnitState) => u.status !== 'MERGED';

export type UnitStreamState = UnitState | null;

export const initialUnitState: UnitStreamState = null;

/** What deciders of other features may ask about the unit tree; the caller supplies it. */
export interface UnitDirectory {
  get(id: string): UnitState | undefined;
  /** True when `unitId` is `ancestorId` or lies below it. */
  isWithin(unitId: string, ancestorId: string): boolean;
}
