import type { AuditRecord } from '../../../projections/audit.js';
import { authorize } from '../../auth/policy.js';
import { badInput } from '../../errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../connection.js';
import { type Ctx, actorNode, canSee, source, unitNode, visibleTask } from '../nodes.js';

interface AuditArgs {
  from?: string | null;
  to?: string | null;
  actorId?: string | null;
  unitId?: string | null;
  actions?: string[] | null;
  first?: number | null;
  after?: string | null;
}

const MAX_ACTIONS = 50;
const seqKey = (n: number) => String(n).padStart(12, '0');

/**
 * auditLog: leaders only, within their subtree (the policy table's auditLog row), read from its
 * read model (src/runner/audit-table.ts). Changes to a confidential task the reader may not see
 * are left out, like the task itself.
 */
export const auditResolvers = {
  Query: {
    auditLog: async (_: unknown, args: AuditArgs, ctx: Ctx) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after);
      if (after !== undefined && !/^\d{1,15}$/.test(after)) throw badInput('after is not a cursor of the audit log');
      if ((args.actions?.length ?? 0) > MAX_ACTIONS) throw badInput(`at most ${MAX_ACTIONS} actions`);
      const views = ctx.tiendo.runner.views;
      const scope = args.unitId ?? ctx.actor.unit;
      authorize('auditLog', ctx.actor, scope, views);
      const see = canSee(ctx.actor, views);
      const hiddenTaskIds: string[] = [];
      for (const task of views.tasks.values()) if (task.confidential && !see(task)) hiddenTaskIds.push(task.id);
      const page = await ctx.tiendo.runner.auditLog({
        fromMs: args.from ? Date.parse(args.from) : null,
        toMs: args.to ? Date.parse(args.to) : null,
        actorId: args.actorId ?? null,
        actions: args.actions ?? null,
        // The root's log is every record, those concerning no unit included.
        unitId: views.units.get(scope)?.parentId ? scope : null,
        hiddenTaskIds,
        first,
        ...(after === undefined ? {} : { afterSeq: Number(after) }),
      });
      const src = source(views, ctx.now, false);
      const edges = page.records.map((r: AuditRecord) => ({ cursor: encodeCursor(seqKey(r.seq)), node: {
        id: r.id,
        at: r.at,
        recordedAt: r.recordedAt,
        actor: actorNode(r.actor, src),
        action: r.type,
        stream: r.stream,
        task: visibleTask(ctx, src, r.taskId),
        units: r.units.map((u) => unitNode(views.units.get(u), src)).filter(Boolean),
        requestId: r.correlationId,
        causationId: r.causationId,
        clientMutationId: r.clientMutationId,
        reason: r.reason,
        basis: r.basis,
      } }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
        // Counted only when asked for: it reads every match, not a page.
        get totalCount() {
          return page.count();
        },
      };
    },
  },
};
