import type { ObstacleView } from '../runner/views.js';
import { type Ctx, type Source, canSee } from './nodes.js';

export type ObstacleNode = ObstacleView & { __src: Source };

/** An obstacle is visible exactly when its task is. */
export function visibleObstacle(ctx: Ctx, src: Source, id: string): ObstacleNode | null {
  const o = src.views.obstacles.get(id);
  const task = o && src.views.tasks.get(o.taskId);
  return o && task && canSee(ctx.actor, src.views)(task) ? { ...o, __src: src } : null;
}
