import { isFindingOverdue } from '../../../projections/queries.js';
import { connection } from '../connection.js';
import { type FindingNode, type InspectionNode, findingNode, inspectionNode } from '../inspection-nodes.js';
import { type Ctx, readAt, unitNode, visibleTask } from '../nodes.js';

interface FindingFilter { unitId?: string | null; inspectionId?: string | null; status?: string[] | null; overdue?: boolean | null }

export const inspectionResolvers = {
  Query: {
    inspection: async (_: unknown, args: { id: string }, ctx: Ctx) => {
      const src = await readAt(ctx, null);
      return inspectionNode(src.views.inspections.get(args.id), src);
    },
    findings: async (_: unknown, args: { filter?: FindingFilter | null; first?: number | null; after?: string | null }, ctx: Ctx) => {
      const src = await readAt(ctx, null);
      const f = args.filter ?? {};
      const statuses = f.status?.length ? new Set(f.status) : null;
      const list = [...src.views.inspections.values()]
        .filter((i) => !f.inspectionId || i.id === f.inspectionId)
        .flatMap((i) => i.findings)
        .filter((x) => (!f.unitId || src.views.isWithin(x.unitId, f.unitId)) && (!statuses || statuses.has(x.status))
          && (f.overdue == null || isFindingOverdue(x, src.at) === f.overdue))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      return connection(list, (x) => x.id, (x) => findingNode(x, src), args);
    },
  },
  Inspection: {
    team: (i: InspectionNode) => unitNode(i.__src.views.units.get(i.teamUnitId), i.__src),
    targets: (i: InspectionNode) => i.targetUnitIds.map((u) => unitNode(i.__src.views.units.get(u), i.__src)).filter(Boolean),
    tasks: (i: InspectionNode, _: unknown, ctx: Ctx) => i.taskIds.map((t) => visibleTask(ctx, i.__src, t)).filter(Boolean),
    findings: (i: InspectionNode) => i.findings.map((f) => findingNode(f, i.__src)),
  },
  Finding: {
    unit: (f: FindingNode) => unitNode(f.__src.views.units.get(f.unitId), f.__src),
    task: (f: FindingNode, _: unknown, ctx: Ctx) => visibleTask(ctx, f.__src, f.taskId),
    inspection: (f: FindingNode) => inspectionNode(f.__src.views.inspections.get(f.inspectionId), f.__src),
    overdue: (f: FindingNode) => isFindingOverdue(f, f.__src.at),
  },
};
