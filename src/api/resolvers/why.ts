import { type Cause, citedKey, explain, parseWhyField } from '../../../projections/why.js';
import { taskSteps } from '../../../projections/task-view.js';
import { badInput, notFound } from '../../errors.js';
import type { DomainEnvelope } from '../../events.js';
import { inspectionStream } from '../../inspections/events.js';
import { obstacleStream } from '../../obstacles/events.js';
import type { Basis } from '../../shared/schemas.js';
import { taskStream } from '../../tasks/events.js';
import { findingById, findingNode, inspectionNode } from '../inspection-nodes.js';
import { type Ctx, type Source, actorNode, readAt, visibleTask } from '../nodes.js';
import { visibleObstacle } from '../obstacle-nodes.js';

type CauseNode = Cause & { __src: Source };

/**
 * The stream holding what a basis points at, when the reader may see it at the instant read:
 * an obstacle as its task, a finding as its task (when it has one), an inspection always (as
 * the inspection query). Anything else is left out of the chain, so nothing says it exists.
 */
function visibleStream(ctx: Ctx, src: Source, b: Basis): string | null {
  const { views } = src;
  switch (b.kind) {
    case 'OBSTACLE':
      return visibleObstacle(ctx, src, b.ref) ? obstacleStream(b.ref) : null;
    case 'FINDING': {
      const found = findingById(views, b.ref);
      return found && (!found.finding.taskId || visibleTask(ctx, src, found.finding.taskId)) ? inspectionStream(found.inspection.id) : null;
    }
    case 'INSPECTION':
      return views.inspections.has(b.ref) ? inspectionStream(b.ref) : null;
    case 'DOCUMENT':
    case 'REPORT':
      return null;
    default: {
      const never: never = b.kind;
      return never;
    }
  }
}

/** The events of everything the task's events cite, and what those cite in turn (visible ones only). */
async function citedEvents(ctx: Ctx, src: Source, events: readonly DomainEnvelope[]): Promise<Map<string, readonly DomainEnvelope[]>> {
  const cited = new Map<string, readonly DomainEnvelope[]>();
  const streams = new Map<string, DomainEnvelope[]>();
  for (let pending = events.flatMap((e) => e.meta.basis); pending.length > 0;) {
    const next: Basis[] = [];
    for (const b of pending) {
      const key = citedKey(b);
      const stream = key && !cited.has(key) ? visibleStream(ctx, src, b) : null;
      if (!key || !stream) continue;
      let read = streams.get(stream);
      if (!read) {
        read = await ctx.tiendo.runner.events(stream, src.until ? { until: src.until } : {});
        streams.set(stream, read);
        next.push(...read.flatMap((e) => e.meta.basis));
      }
      cited.set(key, read);
    }
    pending = next;
  }
  return cited;
}

export const whyResolvers = {
  Query: {
    why: async (_: unknown, args: { taskId: string; field: string; asOf?: string | null }, ctx: Ctx) => {
      const field = parseWhyField(args.field);
      const src = await readAt(ctx, args.asOf);
      // A task the reader may not see answers as one that does not exist.
      const task = visibleTask(ctx, src, args.taskId);
      if (!task) throw notFound('TASK', args.taskId);
      if (field.indicator && !task.indicators.some((i) => i.code === field.indicator)) {
        throw badInput(`task ${task.id} has no indicator ${field.indicator}`);
      }
      const events = await ctx.tiendo.runner.events(taskStream(task.id), { upToRevision: task.version, ...(src.until ? { until: src.until } : {}) });
      const steps = taskSteps(events);
      // The view holds the task, so its stream does; an unreadable assignment leaves nothing to explain.
      if (steps.length === 0) throw notFound('TASK', args.taskId);
      const explanation = explain({ field, at: src.at, dueSoonDays: ctx.tiendo.config.TIENDO_DUE_SOON_DAYS, steps, cited: await citedEvents(ctx, src, events) });
      return {
        ...explanation, task, asOf: src.at,
        links: explanation.links.map((l): CauseNode => ({ ...l, __src: src })),
      };
    },
  },
  Cause: {
    event: ({ event: e, __src }: CauseNode) => ({
      id: e.id, kind: e.type, stream: e.stream, position: e.position, actor: actorNode(e.meta.actor, __src),
      occurredAt: e.meta.occurredAt, recordedAt: e.recordedAt,
    }),
    reason: (c: CauseNode) => c.event.meta.reason ?? null,
    basis: (c: CauseNode) => c.event.meta.basis,
    obstacle: (c: CauseNode, _: unknown, ctx: Ctx) => (c.obstacleId ? visibleObstacle(ctx, c.__src, c.obstacleId) : null),
    finding: (c: CauseNode) => {
      const found = c.findingId ? findingById(c.__src.views, c.findingId) : null;
      return found ? findingNode(found.finding, c.__src) : null;
    },
    inspection: (c: CauseNode) => (c.inspectionId ? inspectionNode(c.__src.views.inspections.get(c.inspectionId), c.__src) : null),
  },
};
