import { type Action, authorize } from '../auth/policy.js';
import type { EventStore } from '../eventstore/port.js';
import { notFound } from '../errors.js';
import * as C from '../inspections/commands.js';
import { decideInspection } from '../inspections/decide.js';
import { type InspectionEvent, inspectionStream } from '../inspections/events.js';
import { evolveInspection } from '../inspections/evolve.js';
import type { Inspection, InspectionState } from '../inspections/state.js';
import type { Views } from '../runner/views.js';
import { readableId } from '../shared/ids.js';
import { parse } from './parse.js';
import { type CommandContext, runCommand } from './run-command.js';

export class InspectionCommands {
  constructor(private readonly store: EventStore, private readonly views: () => Views) {}

  private run(inspectionId: string, command: C.InspectionCommand, ctx: CommandContext, check: (state: InspectionState, views: Views) => void) {
    const views = this.views();
    return runCommand<InspectionState, InspectionEvent>(this.store, {
      stream: inspectionStream(inspectionId),
      initial: null,
      evolve: evolveInspection,
      decide: (state) => {
        check(state, views);
        return decideInspection(command, state, { units: views, task: (id) => views.tasks.get(id), actorUnitId: ctx.actor.unit });
      },
    }, ctx);
  }

  /** Authorises against the inspection's team, or against the finding's unit for a response. */
  private onExisting(action: Action, id: string, ctx: CommandContext, target: (i: Inspection) => string) {
    return (state: InspectionState, views: Views) => {
      if (!state) throw notFound('INSPECTION', id);
      authorize(action, ctx.actor, target(state), views);
    };
  }

  plan(input: Record<string, unknown>, ctx: CommandContext) {
    const seed = ctx.clientMutationId ? `${ctx.actor.id}|${ctx.clientMutationId}` : undefined;
    const data = parse(C.PlanInspection, { ...input, id: input.id ?? readableId('KT', seed) });
    return this.run(data.id, { type: 'PlanInspection', data }, ctx, (_, views) => {
      for (const u of data.targetUnitIds) authorize('planInspection', ctx.actor, u, views);
    });
  }

  recordFinding(input: Record<string, unknown>, ctx: CommandContext) {
    const seed = ctx.clientMutationId ? `${ctx.actor.id}|${ctx.clientMutationId}` : undefined;
    const data = parse(C.RecordFinding, { ...input, findingId: input.findingId ?? readableId('PH', seed) });
    return this.run(data.inspectionId, { type: 'RecordFinding', data }, ctx, this.onExisting('recordFinding', data.inspectionId, ctx, (i) => i.teamUnitId));
  }

  respond(input: unknown, ctx: CommandContext) {
    const data = parse(C.RespondToFinding, input);
    return this.run(data.inspectionId, { type: 'RespondToFinding', data }, ctx, this.onExisting('respondToFinding', data.inspectionId, ctx, (i) => {
      const f = i.findings.find((x) => x.id === data.findingId);
      if (!f) throw notFound('FINDING', data.findingId);
      return f.unitId;
    }));
  }

  closeFinding(input: unknown, ctx: CommandContext) {
    const data = parse(C.CloseFinding, input);
    return this.run(data.inspectionId, { type: 'CloseFinding', data }, ctx, this.onExisting('closeFinding', data.inspectionId, ctx, (i) => i.teamUnitId));
  }

  conclude(input: unknown, ctx: CommandContext) {
    const data = parse(C.ConcludeInspection, input);
    return this.run(data.inspectionId, { type: 'ConcludeInspection', data }, ctx, this.onExisting('concludeInspection', data.inspectionId, ctx, (i) => i.teamUnitId));
  }
}
