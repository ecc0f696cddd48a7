import type { Obstacle } from '../../obstacles/state.js';
import { connection } from '../connection.js';
import { type Ctx, readAt, unitNode, visibleTask } from '../nodes.js';
import { type ObstacleNode, visibleObstacle } from '../obstacle-nodes.js';

interface ObstacleFilter { unitId?: string | null; taskId?: string | null; status?: string[] | null; category?: string[] | null }

export const obstacleResolvers = {
  Query: {
    obstacle: async (_: unknown, args: { id: string }, ctx: Ctx) => visibleObstacle(ctx, await readAt(ctx, null), args.id),
    obstacles: async (_: unknown, args: { filter?: ObstacleFilter | null; first?: number | null; after?: string | null }, ctx: Ctx) => {
      const src = await readAt(ctx, null);
      const f = args.filter ?? {};
      const statuses = f.status?.length ? new Set(f.status) : null;
      const categories = f.category?.length ? new Set(f.category) : null;
      const list = [...src.views.obstacles.keys()].sort()
        .map((id) => visibleObstacle(ctx, src, id))
        .filter((o): o is ObstacleNode => !!o
          && (!f.taskId || o.taskId === f.taskId)
          && (!f.unitId || src.views.isWithin(o.unitId, f.unitId) || (!!o.escalatedTo && o.escalatedTo === f.unitId))
          && (!statuses || statuses.has(o.status)) && (!categories || categories.has(o.category)));
      return connection(list, (o) => o.id, (o) => o, args);
    },
  },
  Obstacle: {
    task: (o: ObstacleNode, _: unknown, ctx: Ctx) => visibleTask(ctx, o.__src, o.taskId),
    unit: (o: ObstacleNode) => unitNode(o.__src.views.units.get(o.unitId), o.__src),
    decisionUnit: (o: ObstacleNode) => (o.decisionUnitId ? unitNode(o.__src.views.units.get(o.decisionUnitId), o.__src) : null),
    escalatedTo: (o: ObstacleNode) => (o.escalatedTo ? unitNode(o.__src.views.units.get(o.escalatedTo), o.__src) : null),
  },
};

export type { Obstacle };
