import { type Ctx, canSee, source, unitNode, visibleTask } from '../api/nodes.js';
import { findingNode } from '../api/inspection-nodes.js';
import type { Source } from '../api/nodes.js';
import { notFound } from '../errors.js';
import { connection } from '../api/connection.js';
import type { Notification } from './notifications.js';

type NotificationNode = Notification & { __src: Source };

/** `notifications(unitId)`: the reminders addressed to a unit (and, by default, the units below it), newest first. */
export const notificationResolvers = {
  Query: {
    notifications: (_: unknown, args: { unitId: string; first?: number | null; after?: string | null; includeDescendants?: boolean | null }, ctx: Ctx) => {
      const views = ctx.tiendo.runner.views;
      if (!views.units.has(args.unitId)) throw notFound('UNIT', args.unitId);
      const src = source(views, ctx.now, false);
      const see = canSee(ctx.actor, views);
      const units = args.includeDescendants === false ? [args.unitId] : views.subtree(args.unitId);
      const list = units.flatMap((u) => [...(views.notificationsByUnit.get(u) ?? [])].map((id) => views.notifications.get(id)!))
        .filter((n) => {
          if (!n.taskId) return true;
          const task = views.tasks.get(n.taskId);
          return !!task && see(task);
        });
      const key = (n: Notification) => `${n.at}|${n.id}`;
      list.sort((a, b) => (key(a) < key(b) ? 1 : -1));
      return connection(list, key, (n): NotificationNode => ({ ...n, __src: src }), args, true);
    },
  },
  Notification: {
    unit: (n: NotificationNode) => unitNode(n.__src.views.units.get(n.unitId), n.__src),
    task: (n: NotificationNode, _: unknown, ctx: Ctx) => visibleTask(ctx, n.__src, n.taskId),
    finding: (n: NotificationNode) => {
      const f = n.inspectionId ? n.__src.views.inspections.get(n.inspectionId)?.findings.find((x) => x.id === n.findingId) : undefined;
      return f ? findingNode(f, n.__src) : null;
    },
    period: (n: NotificationNode) => n.periodKey,
  },
};
