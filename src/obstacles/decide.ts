import { alreadyExists, badInput, invalidState, notFound } from '../errors.js';
import type { Task } from '../tasks/state.js';
import type { UnitDirectory } from '../units/state.js';
import type { ObstacleCommand } from './commands.js';
import type { ObstacleEvent } from './events.js';
import { type Obstacle, type ObstacleState, isOpenObstacle } from './state.js';

export interface ObstacleContext {
  units: UnitDirectory;
  task(id: string): Task | undefined;
}

function requireOpen(state: ObstacleState, id: string, doing: string): Obstacle {
  if (!state) throw notFound('OBSTACLE', id);
  if (!isOpenObstacle(state)) throw invalidState(`cannot ${doing}: obstacle ${id} is ${state.status.toLowerCase()}`);
  return state;
}

export function decideObstacle(command: ObstacleCommand, state: ObstacleState, ctx: ObstacleContext): ObstacleEvent[] {
  switch (command.type) {
    case 'RaiseObstacle': {
      const c = command.data;
      if (state) throw alreadyExists('obstacle', c.id);
      const task = ctx.task(c.taskId);
      if (!task) throw notFound('TASK', c.taskId);
      if (task.phase === 'COMPLETED' || task.phase === 'CANCELLED') {
        throw invalidState(`task ${task.id} is ${task.phase.toLowerCase()}: no obstacle can be raised against it`);
      }
      if (c.decisionUnitId && !ctx.units.get(c.decisionUnitId)) throw notFound('UNIT', c.decisionUnitId);
      return [{
        type: 'ObstacleRaised',
        data: {
          obstacleId: c.id, taskId: task.id, unitId: task.leadUnitId, category: c.category, description: c.description,
          proposedSolution: c.proposedSolution || null, decisionUnitId: c.decisionUnitId ?? null,
        },
        reason: c.description, basis: c.basis,
      }];
    }
    case 'EscalateObstacle': {
      const o = requireOpen(state, command.data.obstacleId, 'escalate');
      const to = command.data.toUnitId;
      if (!ctx.units.get(to)) throw notFound('UNIT', to);
      const current = o.escalatedTo ?? o.unitId;
      // Escalation goes up the tree: to a unit above the one that holds it now.
      if (to === current || !ctx.units.isWithin(current, to)) {
        throw badInput(`an obstacle is escalated to a unit above ${current}; ${to} is not`);
      }
      return [{ type: 'ObstacleEscalated', data: { obstacleId: o.id, toUnitId: to, fromUnitId: current }, reason: command.data.reason }];
    }
    case 'ResolveObstacle': {
      const o = requireOpen(state, command.data.obstacleId, 'resolve');
      return [{ type: 'ObstacleResolved', data: { obstacleId: o.id, resolution: command.data.resolution }, reason: command.data.resolution }];
    }
    case 'WithdrawObstacle': {
      const o = requireOpen(state, command.data.obstacleId, 'withdraw');
      return [{ type: 'ObstacleWithdrawn', data: { obstacleId: o.id }, reason: command.data.reason }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}
