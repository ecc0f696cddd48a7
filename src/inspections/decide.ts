import { alreadyExists, badInput, invalidState, notFound } from '../errors.js';
import type { Task } from '../tasks/state.js';
import type { UnitDirectory } from '../units/state.js';
import type { InspectionCommand } from './commands.js';
import type { InspectionEvent } from './events.js';
import type { Finding, Inspection, InspectionState } from './state.js';

export interface InspectionContext {
  units: UnitDirectory;
  task(id: string): Task | undefined;
  /** The unit of the inspector planning: it becomes the inspection team. */
  actorUnitId: string;
}

function requireOpen(state: InspectionState, id: string): Inspection {
  if (!state) throw notFound('INSPECTION', id);
  if (state.concluded) throw invalidState(`inspection ${id} is concluded`);
  return state;
}

function requireFinding(i: Inspection, findingId: string): Finding {
  const f = i.findings.find((x) => x.id === findingId);
  if (!f) throw notFound('FINDING', findingId);
  return f;
}

export function decideInspection(command: InspectionCommand, state: InspectionState, ctx: InspectionContext): InspectionEvent[] {
  switch (command.type) {
    case 'PlanInspection': {
      const c = command.data;
      if (state) throw alreadyExists('inspection', c.id);
      if (c.to < c.from) throw badInput(`the inspection period ends (${c.to}) before it starts (${c.from})`);
      const targets = [...new Set(c.targetUnitIds)];
      for (const u of targets) if (!ctx.units.get(u)) throw notFound('UNIT', u);
      for (const t of c.taskIds) if (!ctx.task(t)) throw notFound('TASK', t);
      return [{
        type: 'InspectionPlanned',
        data: { inspectionId: c.id, title: c.title, teamUnitId: ctx.actorUnitId, targetUnitIds: targets, taskIds: [...new Set(c.taskIds)], from: c.from, to: c.to },
        reason: c.title,
      }];
    }
    case 'RecordFinding': {
      const c = command.data;
      const i = requireOpen(state, c.inspectionId);
      if (i.findings.some((f) => f.id === c.findingId)) throw alreadyExists('finding', c.findingId);
      if (!ctx.units.get(c.unitId)) throw notFound('UNIT', c.unitId);
      if (!i.targetUnitIds.some((t) => ctx.units.isWithin(c.unitId, t))) {
        throw badInput(`unit ${c.unitId} is not among the units this inspection covers`);
      }
      if (c.taskId && !ctx.task(c.taskId)) throw notFound('TASK', c.taskId);
      return [{
        type: 'FindingRecorded',
        data: {
          inspectionId: i.id, findingId: c.findingId, unitId: c.unitId, taskId: c.taskId ?? null, severity: c.severity,
          description: c.description, recommendation: c.recommendation, dueDate: c.dueDate ?? null,
        },
        reason: c.recommendation,
      }];
    }
    case 'RespondToFinding': {
      const i = requireOpen(state, command.data.inspectionId);
      const f = requireFinding(i, command.data.findingId);
      if (f.status === 'CLOSED') throw invalidState(`finding ${f.id} is closed`);
      return [{ type: 'FindingResponded', data: { inspectionId: i.id, findingId: f.id, response: command.data.response }, reason: command.data.response }];
    }
    case 'CloseFinding': {
      const i = requireOpen(state, command.data.inspectionId);
      const f = requireFinding(i, command.data.findingId);
      if (f.status === 'CLOSED') throw invalidState(`finding ${f.id} is already closed`);
      return [{ type: 'FindingClosed', data: { inspectionId: i.id, findingId: f.id }, reason: command.data.reason || 'Đóng phát hiện' }];
    }
    case 'ConcludeInspection': {
      const i = requireOpen(state, command.data.inspectionId);
      return [{ type: 'InspectionConcluded', data: { inspectionId: i.id, conclusion: command.data.conclusion }, reason: command.data.conclusion }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}
