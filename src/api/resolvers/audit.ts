import { readAuditLog, type AuditRecord } from '../../audit/log.js';
import { authorize } from '../../auth/policy.js';
import { connection, pageSize } from '../connection.js';
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
      pageSize(args.first);
      const views = ctx.tiendo.runner.views;
      const scope = args.unitId ?? ctx.actor.unit;
      authorize('auditLog', ctx.actor, scope, views);
      const root = !views.units.get(scope)?.parentId;
      const see = canSee(ctx.actor, views);
      const records = await readAuditLog(ctx.tiendo.store, {
        from: args.from ?? null,
        to: args.to ?? null,
        actorId: args.actorId ?? null,
        concerns: root ? null : (u) => views.isWithin(u, scope),
        keep: (r) => {
          const task = r.taskId ? views.tasks.get(r.taskId) : undefined;
          return !task || see(task);
        },
      });
      const src = source(views, ctx.now, false);
      return connection(records, (r) => seqKey(r.seq), (r: AuditRecord) => ({
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
      }), args);
    },
  },
};
