import { alreadyExists, badInput, invalidState, notFound } from '../errors.js';
import type { Basis } from '../shared/schemas.js';
import { dateAt } from '../shared/time.js';
import type { UnitDirectory } from '../units/state.js';
import type { TaskCommand } from './commands.js';
import type { IndicatorValue, TaskEvent } from './events.js';
type Delegated = Extract<TaskEvent, { type: 'TaskDelegated' }>;
type Assigned = Extract<TaskEvent, { type: 'TaskAssigned' }>;
import type { Task, TaskState } from './state.js';

export interface TaskContext {
  /** The instant the command is decided at; deciders never read a clock. */
  now: string;
  units: UnitDirectory;
}

/** The id of the task a delegation creates for a unit: readable, and the same on every retry. */
export const childTaskId = (parentId: string, unitId: string) => `${parentId}/${unitId}`;

function requireUnit(units: UnitDirectory, id: string) {
  const unit = units.get(id);
  if (!unit) throw notFound('UNIT', id);
  return unit;
}

function requireTask(state: TaskState, id: string): Task {
  if (!state) throw notFound('TASK', id);
  return state;
}

function requirePhase(task: Task, allowed: Task['phase'][], doing: string): void {
  if (!allowed.includes(task.phase)) {
    throw invalidState(`cannot ${doing}: task ${task.id} is ${task.phase.toLowerCase().replace('_', ' ')}`);
  }
}

function checkIndicatorValues(task: Task, values: IndicatorValue[]): void {
  const known = new Set(task.indicators.map((i) => i.code));
  const seen = new Set<string>();
  for (const v of values) {
    if (!known.has(v.code)) throw badInput(`task ${task.id} has no indicator ${v.code}`);
    if (seen.has(v.code)) throw badInput(`indicator ${v.code} is given twice`);
    seen.add(v.code);
  }
}

/**
 * The deadline in force on a date: an extension approved after the work was done does not make
 * late work on time. A completion dated before the first deadline took force is judged by it.
 */
export function deadlineOn(task: Task, date: string): string | null {
  let inForce = task.deadlines[0]?.deadline ?? task.deadline;
  for (const d of task.deadlines) if (d.since <= date) inForce = d.deadline;
  return inForce;
}

const withDocument = (basis: Basis[], number: string): Basis[] =>
  basis.some((b) => b.kind === 'DOCUMENT' && b.ref === number) ? basis : [{ kind: 'DOCUMENT', ref: number }, ...basis];

export function decideTask(command: TaskCommand, state: TaskState, ctx: TaskContext): TaskEvent[] {
  const today = dateAt(ctx.now);
  switch (command.type) {
    case 'AssignTask': {
      const c = command.data;
      if (state) throw alreadyExists('task', c.id);
      if (c.id.includes('/')) throw badInput('a task id may not contain "/": that marks delegated tasks');
      requireUnit(ctx.units, c.leadUnitId);
      const coordinators = [...new Set(c.coordinatorIds)];
      if (coordinators.length !== c.coordinatorIds.length) throw badInput('a coordinating unit is listed twice');
      for (const u of coordinators) {
        requireUnit(ctx.units, u);
        if (u === c.leadUnitId) throw badInput('the lead unit cannot also coordinate (one lead unit, never two)');
      }
      const codes = new Set(c.indicators.map((i) => i.code));
      if (codes.size !== c.indicators.length) throw badInput('an indicator code is listed twice');
      return [{
        type: 'TaskAssigned',
        data: {
          taskId: c.id, title: c.title, description: c.description || null, output: c.output || null, source: c.source,
          leadUnitId: c.leadUnitId, coordinatorIds: coordinators, deadline: c.deadline ?? null,
          // A roll-up is recorded only when declared: the event then reads as events written before roll-ups (SUM).
          indicators: c.indicators.map(({ rollup, ...i }) => (rollup ? { ...i, rollup } : i)),
          confidential: c.confidential, parentId: null,
        },
        reason: c.reason || `Giao nhiệm vụ theo ${c.source.number} ngày ${c.source.date}`,
        basis: withDocument(c.basis, c.source.number),
      }];
    }
    case 'DelegateTask': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN', 'PAUSED'], 'delegate');
      const seen = new Set<string>();
      const children = command.data.to.map((d) => {
        requireUnit(ctx.units, d.leadUnitId);
        if (d.leadUnitId === task.leadUnitId) throw badInput('a task cannot be delegated to its own lead unit');
        if (seen.has(d.leadUnitId)) throw badInput(`unit ${d.leadUnitId} is listed twice`);
        seen.add(d.leadUnitId);
        const taskId = childTaskId(task.id, d.leadUnitId);
        if (task.childIds.includes(taskId)) throw alreadyExists('delegated task', taskId);
        checkIndicatorValues(task, d.targets);
        return { taskId, leadUnitId: d.leadUnitId, deadline: d.deadline === undefined ? task.deadline : d.deadline, targets: d.targets };
      });
      return [{
        type: 'TaskDelegated',
        data: { taskId: task.id, children },
        reason: command.data.reason || `Phân giao cho ${children.length} đơn vị`,
        basis: withDocument(command.data.basis, task.source.number),
      }];
    }
    case 'ReassignTask': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN', 'PAUSED', 'AWAITING_CONFIRMATION'], 'reassign');
      requireUnit(ctx.units, command.data.leadUnitId);
      if (command.data.leadUnitId === task.leadUnitId) throw invalidState(`unit ${task.leadUnitId} already leads task ${task.id}`);
      return [{
        type: 'TaskReassigned',
        data: { taskId: task.id, leadUnitId: command.data.leadUnitId, previousLeadUnitId: task.leadUnitId },
        reason: command.data.reason, basis: command.data.basis,
      }];
    }
    case 'ReportProgress': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN'], 'report progress');
      checkIndicatorValues(task, command.data.indicators);
      if (command.data.percent == null && command.data.indicators.length === 0) {
        throw badInput('report a percentage, indicator figures, or both');
      }
      return [{
        type: 'ProgressReported',
        data: { taskId: task.id, percent: command.data.percent ?? null, indicators: command.data.indicators, note: command.data.note },
        reason: command.data.note,
      }];
    }
    case 'RequestDeadlineExtension': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN', 'PAUSED'], 'request an extension');
      if (task.pendingExtension) {
        throw invalidState(`task ${task.id} already has an extension request pending (to ${task.pendingExtension.proposedDeadline})`);
      }
      if (task.deadline && command.data.proposedDeadline <= task.deadline) {
        throw badInput(`the proposed deadline must be after the current one (${task.deadline})`);
      }
      return [{
        type: 'DeadlineExtensionRequested',
        data: { taskId: task.id, proposedDeadline: command.data.proposedDeadline, currentDeadline: task.deadline },
        reason: command.data.reason, basis: command.data.basis,
      }];
    }
    case 'DecideDeadlineExtension': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN', 'PAUSED', 'AWAITING_CONFIRMATION'], 'decide an extension');
      const proposed = task.pendingExtension?.proposedDeadline ?? null;
      const { reason, basis } = command.data;
      if (!command.data.approve) {
        if (!proposed) throw invalidState(`task ${task.id} has no extension request to reject`);
        return [{ type: 'DeadlineExtensionRejected', data: { taskId: task.id, proposedDeadline: proposed }, reason, basis }];
      }
      const deadline = command.data.deadline ?? proposed;
      if (!deadline) throw badInput(`task ${task.id} has no extension request: give the new deadline`);
      if (deadline === task.deadline) throw invalidState(`task ${task.id} already has the deadline ${deadline}`);
      return [{
        type: 'DeadlineExtensionApproved',
        data: { taskId: task.id, deadline, previousDeadline: task.deadline, proposedDeadline: proposed },
        reason, basis,
      }];
    }
    case 'ReportCompletion': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN', 'PAUSED'], 'report completion');
      if (command.data.completedOn > today) throw badInput(`completedOn ${command.data.completedOn} is in the future`);
      if (command.data.completedOn < task.source.date) {
        throw badInput(`completedOn is before the source document of ${task.source.date}`);
      }
      return [{
        type: 'CompletionReported',
        data: { taskId: task.id, completedOn: command.data.completedOn, evidence: command.data.evidence, deadlineInForce: deadlineOn(task, command.data.completedOn) },
        reason: command.data.evidence, basis: command.data.basis,
      }];
    }
    case 'ConfirmCompletion':
    case 'RejectCompletion': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['AWAITING_CONFIRMATION'], command.type === 'ConfirmCompletion' ? 'confirm completion' : 'reject completion');
      const completedOn = task.completion!.completedOn;
      if (command.type === 'ConfirmCompletion') {
        return [{ type: 'CompletionConfirmed', data: { taskId: task.id, completedOn }, reason: command.data.reason || 'Xác nhận hoàn thành' }];
      }
      if (!command.data.reason) throw badInput('rejecting a completion needs a reason');
      return [{ type: 'CompletionRejected', data: { taskId: task.id, completedOn }, reason: command.data.reason }];
    }
    case 'PauseTask': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN'], 'pause');
      return [{ type: 'TaskPaused', data: { taskId: task.id }, reason: command.data.reason, basis: command.data.basis }];
    }
    case 'ResumeTask': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['PAUSED'], 'resume');
      return [{ type: 'TaskResumed', data: { taskId: task.id }, reason: command.data.reason, basis: command.data.basis }];
    }
    case 'CancelTask': {
      const task = requireTask(state, command.data.taskId);
      requirePhase(task, ['OPEN', 'PAUSED', 'AWAITING_CONFIRMATION'], 'cancel');
      return [{ type: 'TaskCancelled', data: { taskId: task.id }, reason: command.data.reason, basis: command.data.basis }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

/** The first event of each task a delegation creates, written to the child's own stream. */
export function delegatedTasks(parent: Task, delegation: Delegated): Assigned[] {
  return delegation.data.children.map((c) => {
    const targets = new Map(c.targets.map((t) => [t.code, t.value]));
    return {
      type: 'TaskAssigned',
      data: {
        taskId: c.taskId, title: parent.title, description: parent.description, output: parent.output, source: parent.source,
        leadUnitId: c.leadUnitId, coordinatorIds: [], deadline: c.deadline,
        indicators: parent.indicators.map(({ code, name, unitOfMeasure, rollup }) =>
          ({ code, name, unitOfMeasure, target: targets.get(code) ?? null, ...(rollup ? { rollup } : {}) })),
        confidential: parent.confidential, parentId: parent.id,
      },
      reason: delegation.reason,
      basis: delegation.basis,
    };
  });
}
