import type { FieldChange } from '../../../projections/history.js';
import { compareViews, findTasks, statusOf, type TaskFilter } from '../../../projections/queries.js';
import type { TaskView } from '../../../projections/task-view.js';
import { notFound } from '../../errors.js';
import type { Views } from '../../runner/views.js';
import { connection, encodeCursor, decodeCursor, pageSize } from '../connection.js';
import { findingById, findingNode } from '../inspection-nodes.js';
import { type Ctx, type Source, type TaskNode, actorNode, canSee, readAt, source, taskNode, unitNode, visibleTask } from '../nodes.js';
import { visibleObstacle } from '../obstacle-nodes.js';

const options = (ctx: Ctx, src: Source) => ({ at: src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS, canSee: canSee(ctx.actor, src.views) });

const seqKey = (n: number) => String(n).padStart(12, '0');

export const taskResolvers = {
  Query: {
    task: async (_: unknown, args: { id: string; asOf?: string | null }, ctx: Ctx) => visibleTask(ctx, await readAt(ctx, args.asOf), args.id),
    tasks: async (_: unknown, args: { filter?: (TaskFilter & { indicator?: string | null }) | null; first?: number | null; after?: string | null; asOf?: string | null }, ctx: Ctx) => {
      pageSize(args.first);
      const src = await readAt(ctx, args.asOf);
      const filter = args.filter ?? {};
      let tasks = findTasks(src.views, filter, options(ctx, src));
      if (filter.indicator) tasks = tasks.filter((t) => t.indicators.some((i) => i.code === filter.indicator));
      return connection(tasks, (t) => t.id, (t) => taskNode(t, src), args);
    },
    commitmentChanges: async (_: unknown, args: { filter?: { unitId?: string | null; from?: string | null; to?: string | null; kinds?: string[] | null } | null; first?: number | null; after?: string | null }, ctx: Ctx) => {
      pageSize(args.first);
      const f = args.filter ?? {};
      const src = await readAt(ctx, null);
      const views = src.views;
      if (f.unitId && !views.units.has(f.unitId)) throw notFound('UNIT', f.unitId);
      const kinds = f.kinds?.length ? new Set(f.kinds) : null;
      const see = canSee(ctx.actor, views);
      const rows = (await ctx.tiendo.runner.commitmentChanges(f.from ?? '0000', f.to ?? '9999')).filter(({ entry }) => {
        const task = views.tasks.get(entry.taskId);
        return task && see(task) && (!kinds || kinds.has(entry.kind))
          && (!f.unitId || entry.leadUnitIds.some((u) => views.isWithin(u, f.unitId!)));
      });
      return connection(rows, (r) => seqKey(r.seq), ({ entry }) => ({
        at: entry.at, kind: entry.kind, changes: entry.changes, reason: entry.reason, basis: entry.basis,
        actor: actorNode(entry.actor, src), task: taskNode(views.tasks.get(entry.taskId)!, src),
      }), args);
    },
    compare: async (_: unknown, args: { unitId: string; from: string; to: string }, ctx: Ctx) => {
      const live = ctx.tiendo.runner.views;
      if (!live.units.has(args.unitId)) throw notFound('UNIT', args.unitId);
      const [a, b] = [await readAt(ctx, args.from), await readAt(ctx, args.to)];
      const result = compareViews(a.views, b.views, args.unitId, canSee(ctx.actor, live));
      return {
        from: args.from, to: args.to,
        added: result.added.map((t) => taskNode(t, b)),
        removed: result.removed.map((t) => taskNode(t, b)),
        changed: result.changed.map((c) => ({ task: taskNode(c.task, b), changes: c.changes })),
      };
    },
  },
  Task: {
    lead: (t: TaskNode) => unitNode(t.__src.views.units.get(t.leadUnitId), t.__src),
    coordinators: (t: TaskNode) => t.coordinatorIds.map((id) => unitNode(t.__src.views.units.get(id), t.__src)).filter(Boolean),
    status: (t: TaskNode, _: unknown, ctx: Ctx) => statusOf(t, { at: t.__src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS }),
    progress: (t: TaskNode) => t.__src.rollup.of(t).progress,
    indicators: (t: TaskNode) => t.__src.rollup.of(t).indicators,
    parent: (t: TaskNode, _: unknown, ctx: Ctx) => visibleTask(ctx, t.__src, t.parentId),
    children: (t: TaskNode, _: unknown, ctx: Ctx) => t.childIds.map((id) => visibleTask(ctx, t.__src, id)).filter(Boolean),
    completedOn: (t: TaskNode) => t.completion?.completedOn ?? null,
    history: async (t: TaskNode, args: { first?: number | null; after?: string | null }, ctx: Ctx) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after);
      const page = await ctx.tiendo.runner.history(t.id, {
        first, upToRevision: t.version, ...(t.__src.until ? { until: t.__src.until } : {}), ...(after ? { after: Number(after) } : {}),
      });
      const edges = page.entries.map((entry) => ({
        node: { ...entry, actor: actorNode(entry.actor, t.__src) },
        cursor: encodeCursor(String(entry.revision)),
      }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: page.totalCount };
    },
  },
};

/** A basis that points inside tiendo resolves to what it points at (against the live views). */
export const basisResolvers = {
  Basis: {
    obstacle: (b: { kind: string; ref: string }, _: unknown, ctx: Ctx) =>
      (b.kind === 'OBSTACLE' ? visibleObstacle(ctx, source(ctx.tiendo.runner.views, ctx.now, false), b.ref) : null),
    inspection: (b: { kind: string; ref: string }, _: unknown, ctx: Ctx) => {
      const views = ctx.tiendo.runner.views;
      const i = b.kind === 'INSPECTION' ? views.inspections.get(b.ref) : undefined;
      return i ? { ...i, __src: source(views, ctx.now, false) } : null;
    },
    finding: (b: { kind: string; ref: string }, _: unknown, ctx: Ctx) => {
      const views = ctx.tiendo.runner.views;
      const found = b.kind === 'FINDING' ? findingById(views, b.ref) : null;
      return found ? findingNode(found.finding, source(views, ctx.now, false)) : null;
    },
  },
};

export type { FieldChange, TaskView, Views };
