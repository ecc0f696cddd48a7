import type { ObstacleCategory } from './events.js';

export type ObstacleStatus = 'OPEN' | 'ESCALATED' | 'RESOLVED' | 'WITHDRAWN';

export interface Obstacle {
  id: string;
  taskId: string;
  unitId: string;
  category: ObstacleCategory;
  description: string;
  proposedSolution: string | null;
  decisionUnitId: string | null;
  status: ObstacleStatus;
  escalatedTo: string | null;
  resolution: string | null;
  raisedAt: string;
  updatedAt: string;
}

export type ObstacleState = Obstacle | null;
export const initialObstacleState: ObstacleState = null;

export const isOpenObstacle = (o: Obstacle) => o.status === 'OPEN' || o.status === 'ESCALATED';
