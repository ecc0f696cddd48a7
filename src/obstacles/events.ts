import { z } from 'zod';
import { type EventsOf, id, text } from '../shared/schemas.js';

export const ObstacleCategory = z.enum(['LEGAL', 'FUNDING', 'INFRASTRUCTURE', 'DATA', 'HUMAN_RESOURCES', 'COORDINATION', 'OTHER']);
export type ObstacleCategory = z.infer<typeof ObstacleCategory>;

export const obstacleEventSchemas = {
  ObstacleRaised: z.object({
    obstacleId: id,
    taskId: id,
    /** The task's lead unit when raised: whose obstacle it is. */
    unitId: id,
    category: ObstacleCategory,
    description: text(5000),
    proposedSolution: z.string().max(5000).nullable(),
    /** The unit whose decision is needed, when the raiser names one. */
    decisionUnitId: id.nullable(),
  }),
  ObstacleEscalated: z.object({ obstacleId: id, toUnitId: id, fromUnitId: id }),
  ObstacleResolved: z.object({ obstacleId: id, resolution: text(5000) }),
  ObstacleWithdrawn: z.object({ obstacleId: id }),
};
export type ObstacleEvent = EventsOf<typeof obstacleEventSchemas>;

export const obstacleStream = (obstacleId: string) => `obstacle-${obstacleId}`;
