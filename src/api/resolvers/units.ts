import { foldText } from '../../../projections/text.js';
import { isActiveUnit } from '../../units/state.js';
import { connection } from '../connection.js';
import { type Ctx, type Source, type UnitNode, source, unitNode } from '../nodes.js';

interface UnitFilter { kind?: string[] | null; parentId?: string | null; text?: string | null }

const live = (ctx: Ctx): Source => source(ctx.tiendo.runner.views, ctx.now, false);

export const unitResolvers = {
  Query: {
    unit: (_: unknown, args: { id: string }, ctx: Ctx) => unitNode(ctx.tiendo.runner.views.units.get(args.id), live(ctx)),
    units: (_: unknown, args: { filter?: UnitFilter | null; first?: number | null; after?: string | null }, ctx: Ctx) => {
      const src = live(ctx);
      const f = args.filter ?? {};
      const needle = f.text ? foldText(f.text) : null;
      const kinds = f.kind?.length ? new Set(f.kind) : null;
      const units = [...src.views.units.values()]
        .filter((u) => (!kinds || kinds.has(u.kind)) && (!f.parentId || u.parentId === f.parentId)
          && (!needle || foldText(`${u.id} ${u.name} ${u.previousNames.join(' ')}`).includes(needle)))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      return connection(units, (u) => u.id, (u) => unitNode(u, src), args);
    },
  },
  Unit: {
    parent: (u: UnitNode) => (u.parentId ? unitNode(u.__src.views.units.get(u.parentId), u.__src) : null),
    children: (u: UnitNode) =>
      (u.__src.views.unitChildren.get(u.id) ?? []).map((id) => u.__src.views.units.get(id)!)
        .filter((c) => c && isActiveUnit(c)).map((c) => unitNode(c, u.__src)),
    mergedInto: (u: UnitNode) => (u.mergedInto ? unitNode(u.__src.views.units.get(u.mergedInto), u.__src) : null),
    absorbed: (u: UnitNode) => u.absorbed.map((a) => ({ unit: unitNode(u.__src.views.units.get(a.unitId), u.__src), effectiveOn: a.effectiveOn })),
  },
};
