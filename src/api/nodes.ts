import type { HistoryEntry } from '../../projections/history.js';
import { Rollup } from '../../projections/queries.js';
import type { TaskView } from '../../projections/task-view.js';
import type { App } from '../app/app.js';
import { canSeeTask } from '../auth/policy.js';
import type { Views } from '../runner/views.js';
import type { Actor } from '../shared/schemas.js';
import type { UnitState } from '../units/state.js';

/** What a GraphQL request carries to every resolver. */
export interface Ctx {
  /** Named so: mercurius puts the fastify instance at `app`. */
  tiendo: App;
  actor: Actor;
  /** The instant the request arrived: "now" for statuses and for commands. */
  now: string;
  requestId: string;
  /** The client's X-Correlation-Id, else the request id: the correlationId of the events a command writes. */
  correlationId?: string;
}

/** The read model a node was read from, and the instant it describes. */
export interface Source {
  views: Views;
  at: string;
  /** Set for asOf reads: history stops here. */
  until?: string;
  rollup: Rollup;
}

export type TaskNode = TaskView & { __src: Source };
export type UnitNode = UnitState & { __src: Source };

/** One Rollup per read model and position, shared by the requests until the next event: it depends on the views alone. */
const rollups = new WeakMap<Views, { position: string | null; rollup: Rollup }>();

export function source(views: Views, at: string, asOf: boolean): Source {
  let shared = rollups.get(views);
  if (!shared || shared.position !== views.position) rollups.set(views, (shared = { position: views.position, rollup: new Rollup(views) }));
  return { views, at, rollup: shared.rollup, ...(asOf ? { until: at } : {}) };
}

/** The read model for a request: live, or replayed to `asOf`. */
export async function readAt(ctx: Ctx, asOf?: string | null): Promise<Source> {
  if (!asOf) return source(ctx.tiendo.runner.views, ctx.now, false);
  return source(await ctx.tiendo.runner.asOf(asOf), asOf, true);
}

export const taskNode = (t: TaskView, src: Source): TaskNode => ({ ...t, __src: src });
export const unitNode = (u: UnitState | undefined, src: Source): UnitNode | null => (u ? { ...u, __src: src } : null);
/** An actor as the API shows it; its unit is resolved only when asked (actorResolvers): a history page names ten. */
export const actorNode = (a: HistoryEntry['actor'], src: Source) => ({ id: a.id, role: a.role, unitId: a.unit, __src: src });
export type ActorNode = ReturnType<typeof actorNode>;
export const actorResolvers = { Actor: { unit: (a: ActorNode) => unitNode(a.__src.views.units.get(a.unitId), a.__src) } };

/**
 * Confidential tasks are visible only to their lead and coordinating units and to the leaders of
 * units above those; everyone sees the others. The rule lives with the policy table (canSeeTask).
 */
export function canSee(actor: Actor, views: Views): (t: TaskView) => boolean {
  const isWithin = (u: string, a: string) => views.isWithin(u, a);
  return (t) => canSeeTask(actor, t, isWithin);
}

export const visibleTask = (ctx: Ctx, src: Source, id: string | null | undefined): TaskNode | null => {
  const t = id ? src.views.tasks.get(id) : undefined;
  return t && canSee(ctx.actor, src.views)(t) ? taskNode(t, src) : null;
};
