import { z } from 'zod';
import { Basis, id, optionalText, text } from '../shared/schemas.js';
import { ObstacleCategory } from './events.js';

export const RaiseObstacle = z.object({
  id, taskId: id, category: ObstacleCategory, description: text(5000), proposedSolution: optionalText(5000), decisionUnitId: id.optional(),
  /** What it was raised after: a finding or an inspection that brought it to light, a document. */
  basis: z.array(Basis).max(20).default([]),
});
export const EscalateObstacle = z.object({ obstacleId: id, toUnitId: id, reason: text(2000) });
export const ResolveObstacle = z.object({ obstacleId: id, resolution: text(5000) });
export const WithdrawObstacle = z.object({ obstacleId: id, reason: text(2000) });

export type ObstacleCommand =
  | { type: 'RaiseObstacle'; data: z.output<typeof RaiseObstacle> }
  | { type: 'EscalateObstacle'; data: z.output<typeof EscalateObstacle> }
  | { type: 'ResolveObstacle'; data: z.output<typeof ResolveObstacle> }
  | { type: 'WithdrawObstacle'; data: z.output<typeof WithdrawObstacle> };
