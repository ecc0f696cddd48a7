import { authorize, canSeeTask } from '../auth/policy.js';
import type { EventStore } from '../eventstore/port.js';
import { notFound } from '../errors.js';
import * as C from '../obstacles/commands.js';
import { decideObstacle } from '../obstacles/decide.js';
import { type ObstacleEvent, obstacleStream } from '../obstacles/events.js';
import { evolveObstacle } from '../obstacles/evolve.js';
import type { Obstacle, ObstacleState } from '../obstacles/state.js';
import type { Views } from '../runner/views.js';
import { readableId } from '../shared/ids.js';
import { checkBasis } from './basis.js';
import { parse } from './parse.js';
import { type CommandContext, runCommand } from './run-command.js';

export class ObstacleCommands {
  constructor(private readonly store: EventStore, private readonly views: () => Views) {}

  private run(obstacleId: string, command: C.ObstacleCommand, ctx: CommandContext, check: (state: ObstacleState, views: Views) => void) {
    const views = this.views();
    return runCommand<ObstacleState, ObstacleEvent>(this.store, {
      stream: obstacleStream(obstacleId),
      initial: null,
      evolve: evolveObstacle,
      decide: (state) => {
        check(state, views);
        return decideObstacle(command, state, { units: views, task: (id) => views.tasks.get(id) });
      },
    }, ctx);
  }

  raise(input: Record<string, unknown>, ctx: CommandContext) {
    const seed = ctx.clientMutationId ? `${ctx.actor.id}|${ctx.clientMutationId}` : undefined;
    const data = parse(C.RaiseObstacle, { ...input, id: input.id ?? readableId('VM', seed) });
    return this.run(data.id, { type: 'RaiseObstacle', data }, ctx, (_, views) => {
      const task = views.tasks.get(data.taskId);
      // A confidential task the actor may not see does not exist for them (no existence oracle).
      if (!task || !canSeeTask(ctx.actor, task, (u, a) => views.isWithin(u, a))) throw notFound('TASK', data.taskId);
      authorize('raiseObstacle', ctx.actor, task.leadUnitId, views);
      checkBasis(data.basis, views);
    });
  }

  private existing(action: 'escalateObstacle' | 'withdrawObstacle' | 'resolveObstacle', holder: (o: Obstacle) => string, id: string, ctx: CommandContext) {
    return (state: ObstacleState, views: Views) => {
      if (!state) throw notFound('OBSTACLE', id);
      authorize(action, ctx.actor, holder(state), views);
    };
  }

  escalate(input: unknown, ctx: CommandContext) {
    const data = parse(C.EscalateObstacle, input);
    return this.run(data.obstacleId, { type: 'EscalateObstacle', data }, ctx,
      this.existing('escalateObstacle', (o) => o.escalatedTo ?? o.unitId, data.obstacleId, ctx));
  }

  resolve(input: unknown, ctx: CommandContext) {
    const data = parse(C.ResolveObstacle, input);
    return this.run(data.obstacleId, { type: 'ResolveObstacle', data }, ctx,
      this.existing('resolveObstacle', (o) => o.escalatedTo ?? o.unitId, data.obstacleId, ctx));
  }

  withdraw(input: unknown, ctx: CommandContext) {
    const data = parse(C.WithdrawObstacle, input);
    return this.run(data.obstacleId, { type: 'WithdrawObstacle', data }, ctx,
      this.existing('withdrawObstacle', (o) => o.unitId, data.obstacleId, ctx));
  }
}
