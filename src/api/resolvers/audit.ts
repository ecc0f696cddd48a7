import { readAuditLog, type AuditRecord } from '../../audit/log.js';
import { authorize } from '../../auth/policy.js';
import { badInput } from '../../errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../connection.js';
import { type Ctx, canSee, source, unitNode } from '../nodes.js';
import { actorNode, visibleTask } from './tasks.js';

interface AuditArgs {
  from?: string | null;
  to?: string | null;
  actorId?: string | null;
  unitId?: string | null;
  first?: number | null;
  after?: string | null;
}

const seqKey = (n: number) => String(n).padStart(12, '0');

/**
 * auditLog: leaders only, within their subtree (the policy table's auditLog row). Changes to a
 * confidential task the reader may not see are left out, like the task itself.
 */
export const auditResolvers = {
  Query: {
    auditLog: async (_: unknown, args: AuditArgs, ctx: Ctx) => {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after);
      if (after !== undefined && !/^\d{1,15}$/.test(after)) throw badInput('after is not a cursor of the audit log');
      const views = ctx.tiendo.runner.views;
      const scope = args.unitId ?? ctx.actor.unit;
      authorize('auditLog', ctx.actor, scope, views);
      const root = !views.units.get(scope)?.parentId;
      const see = canSee(ctx.actor, views);
      const page = await readAuditLog(ctx.tiendo.store, {
        from: args.from ?? null,
        to: args.to ?? null,
        actorId: args.actorId ?? null,
        concerns: root ? null : (u) => views.isWithin(u, scope),
        keep: (r) => {
          const task = r.taskId ? views.tasks.get(r.taskId) : undefined;
          return !task || see(task);
        },
      }, { first, ...(after === undefined ? {} : { afterSeq: Number(after) }) });
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
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: page.total };
    },
  },
};
