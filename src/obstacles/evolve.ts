import type { ObstacleEvent } from './events.js';
import type { ObstacleState } from './state.js';

export function evolveObstacle(state: ObstacleState, event: ObstacleEvent, at: string): ObstacleState {
  if (event.type === 'ObstacleRaised') {
    const d = event.data;
    return {
      id: d.obstacleId, taskId: d.taskId, unitId: d.unitId, category: d.category, description: d.description,
      proposedSolution: d.proposedSolution, decisionUnitId: d.decisionUnitId, status: 'OPEN', escalatedTo: null,
      resolution: null, raisedAt: at, updatedAt: at,
    };
  }
  if (!state) return state;
  switch (event.type) {
    case 'ObstacleEscalated':
      return { ...state, status: 'ESCALATED', escalatedTo: event.data.toUnitId, updatedAt: at };
    case 'ObstacleResolved':
      return { ...state, status: 'RESOLVED', resolution: event.data.resolution, updatedAt: at };
    case 'ObstacleWithdrawn':
      return { ...state, status: 'WITHDRAWN', updatedAt: at };
    default: {
      const never: never = event;
      return never;
    }
  }
}
