import type { DomainEnvelope } from '../src/events.js';
import { badInput } from '../src/errors.js';
import type { Basis } from '../src/shared/schemas.js';
import { dateAt } from '../src/shared/time.js';
import { addDays } from '../src/periods/dates.js';
import { type TaskStatus, taskStatus } from '../src/tasks/status.js';
import { type FieldChange, TASK_FIELD_NAMES, diffTasks, taskFields } from './history.js';
import type { TaskStep, TaskView } from './task-view.js';

/**
 * "Why does this field of the task have this value?" answered from the task's stream and the
 * streams its events cite: the event that gave the value, then what that event was decided on,
 * requested because of, raised after …, nearest first. Pure: the resolver reads the streams.
 */

/** How a link is tied to the one it explains (the first link: to the value). */
export type CauseKind =
  | 'ASSIGNED_BY' | 'SET_BY' | 'DEADLINE_IN_FORCE' | 'PHASE_SET_BY'
  | 'DECIDED_ON_BASIS_OF' | 'REQUESTED_BECAUSE_OF' | 'RAISED_AFTER';

export interface Cause {
  kind: CauseKind;
  event: DomainEnvelope;
  /** The id of the event of the link this one explains; null for a first link. */
  explains: string | null;
  /** What the event changed on the task (task events only). */
  changes: FieldChange[];
  /** The obstacle, finding or inspection the link is about. */
  obstacleId: string | null;
  findingId: string | null;
  inspectionId: string | null;
}

export interface Explanation {
  /** The field as asked (`target:CODE` stays so). */
  field: string;
  value: string | null;
  /** When the field took its value (status: when the task entered it). */
  since: string | null;
  changed: boolean;
  /** Status only: the deadline the status is judged against, and whether completion was reported. */
  deadlineInForce: string | null;
  completionReported: boolean | null;
  summary: string;
  links: Cause[];
}

/** A field `why` explains, as asked; `name`: status or taskFields' name for it. */
export interface WhyField { asked: string; name: string; indicator: string | null }

/** Reads the field argument; anything else is BAD_USER_INPUT naming the fields there are. */
export function parseWhyField(asked: string): WhyField {
  const f = asked.trim();
  if (f === 'status' || TASK_FIELD_NAMES.includes(f)) return { asked: f, name: f, indicator: null };
  const short = /^(target|actual):([A-Z0-9_]{1,64})$/.exec(f);
  if (short) return { asked: f, name: `indicators.${short[2]}.${short[1]}`, indicator: short[2]! };
  const long = /^indicators\.([A-Z0-9_]{1,64})\.(target|actual)$/.exec(f);
  if (long) return { asked: f, name: f, indicator: long[1]! };
  throw badInput(
    `field ${JSON.stringify(asked.slice(0, 100))} cannot be explained: ask for status, ${TASK_FIELD_NAMES.join(', ')}, target:<indicator code> or actual:<indicator code>`,
    { field: asked.slice(0, 100) },
  );
}

/** A basis inside tiendo, as the key the caller hands its events back under; null for a document or a report. */
export const citedKey = (b: Basis): string | null =>
  (b.kind === 'OBSTACLE' || b.kind === 'FINDING' || b.kind === 'INSPECTION' ? `${b.kind}:${b.ref}` : null);

export interface WhyInput {
  field: WhyField;
  /** The instant asked about. */
  at: string;
  dueSoonDays: number;
  /** The task's stream folded up to the instant (taskSteps); at least its assignment. */
  steps: TaskStep[];
  /**
   * The events of the stream holding each thing the events cite (by citedKey), up to the instant,
   * for the things the reader may see only: a link to anything else is left out, without a trace.
   */
  cited: ReadonlyMap<string, readonly DomainEnvelope[]>;
}

/** How a citing event relates to what it cites. */
function citeKind(type: string): CauseKind {
  if (type === 'DeadlineExtensionRequested') return 'REQUESTED_BECAUSE_OF';
  if (type === 'ObstacleRaised') return 'RAISED_AFTER';
  return 'DECIDED_ON_BASIS_OF';
}

/** A decision answers the request before it: an extension its request, a completion decision the report. */
const ANSWERS: Record<string, { request: string; closedBy: readonly string[] }> = {
  DeadlineExtensionApproved: { request: 'DeadlineExtensionRequested', closedBy: ['DeadlineExtensionApproved', 'DeadlineExtensionRejected'] },
  DeadlineExtensionRejected: { request: 'DeadlineExtensionRequested', closedBy: ['DeadlineExtensionApproved', 'DeadlineExtensionRejected'] },
  CompletionConfirmed: { request: 'CompletionReported', closedBy: ['CompletionConfirmed', 'CompletionRejected'] },
  CompletionRejected: { request: 'CompletionReported', closedBy: ['CompletionConfirmed', 'CompletionRejected'] },
};

const instantMs = (iso: string) => Date.parse(iso);
/** The first instant of a Vietnam calendar date. */
const startOf = (date: string) => new Date(`${date}T00:00:00+07:00`).toISOString();

/** Walks from a first link through everything it rests on, depth first, each event once. */
class Chain {
  readonly links: Cause[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly input: WhyInput) {}

  /** Adds the link of a task step and the causes behind it. */
  step(index: number, kind: CauseKind, explains: string | null): void {
    const s = this.input.steps[index]!;
    if (this.seen.has(s.event.id)) return;
    this.add({ kind, event: s.event, explains, changes: diffTasks(s.before, s.after), obstacleId: null, findingId: null, inspectionId: null });
    const answers = ANSWERS[s.event.type];
    if (answers) {
      for (let i = index - 1; i >= 0; i--) {
        const type = this.input.steps[i]!.event.type;
        if (type === answers.request) {
          this.step(i, 'DECIDED_ON_BASIS_OF', s.event.id);
          break;
        }
        if (answers.closedBy.includes(type)) break;
      }
    }
    this.basis(s.event);
  }

  private add(link: Cause): void {
    this.seen.add(link.event.id);
    this.links.push(link);
  }

  /** The obstacles, findings and inspections an event cites, each with what it cites in turn. */
  private basis(citing: DomainEnvelope): void {
    for (const b of citing.meta.basis) {
      const key = citedKey(b);
      const events = key ? this.input.cited.get(key) : undefined;
      if (!events) continue;
      const event = events.find((e) => {
        if (b.kind === 'OBSTACLE') return e.type === 'ObstacleRaised';
        if (b.kind === 'FINDING') return e.type === 'FindingRecorded' && (e.data as { findingId: string }).findingId === b.ref;
        return e.type === 'InspectionPlanned';
      });
      if (!event || this.seen.has(event.id)) continue;
      this.add({
        kind: citeKind(citing.type), event, explains: citing.id, changes: [],
        obstacleId: b.kind === 'OBSTACLE' ? b.ref : null,
        findingId: b.kind === 'FINDING' ? b.ref : null,
        inspectionId: b.kind === 'INSPECTION' ? b.ref : (event.data as { inspectionId?: string }).inspectionId ?? null,
      });
      this.basis(event);
    }
  }
}

/** The index of the step that last changed `name`, or of the assignment when none did. */
function setter(steps: TaskStep[], name: string, upTo = steps.length - 1): number {
  for (let i = upTo; i > 0; i--) {
    const s = steps[i]!;
    if (taskFields(s.before).get(name) !== taskFields(s.after).get(name)) return i;
  }
  return 0;
}

/** Pure: the explanation of one field of a task at an instant. */
export function explain(input: WhyInput): Explanation {
  const { steps, field } = input;
  const task = steps[steps.length - 1]!.after;
  if (field.name === 'status') return explainStatus(input, task);
  const chain = new Chain(input);
  const at = setter(steps, field.name);
  const changed = at > 0;
  chain.step(at, changed ? 'SET_BY' : 'ASSIGNED_BY', null);
  const value = taskFields(task).get(field.name) ?? null;
  const event = steps[at]!.event;
  const since = event.meta.occurredAt;
  return {
    field: field.asked, value, since, changed, deadlineInForce: null, completionReported: null, links: chain.links,
    summary: changed
      ? `${field.asked} ${value ?? 'none'} since ${dateAt(since)}: set by ${event.type}`
      : `${field.asked} ${value ?? 'none'} since ${dateAt(since)}: unchanged since the assignment (${event.type})`,
  };
}

function explainStatus(input: WhyInput, task: TaskView): Explanation {
  const { steps } = input;
  const status: TaskStatus = taskStatus(task, input.at, input.dueSoonDays);
  const chain = new Chain(input);
  const phaseAt = setter(steps, 'phase');
  const phaseLink = () => {
    if (phaseAt > 0) chain.step(phaseAt, 'PHASE_SET_BY', null);
  };
  const base = { field: input.field.asked, value: status, links: chain.links };

  if (task.phase === 'OPEN') {
    const deadlineAt = setter(steps, 'deadline');
    chain.step(deadlineAt, 'DEADLINE_IN_FORCE', null);
    phaseLink();
    const d = task.deadline;
    const since = statusSince(steps, input.at, input.dueSoonDays, status);
    const what = status === 'OVERDUE' ? `deadline ${d} in force`
      : status === 'DUE_SOON' ? `deadline ${d} in force, within ${input.dueSoonDays} days`
        : status === 'NO_DEADLINE' ? 'no deadline set' : `deadline ${d} in force, not reached`;
    return {
      ...base, since, changed: phaseAt > 0 || deadlineAt > 0, deadlineInForce: d, completionReported: false,
      summary: `${status} since ${dateAt(since)}: ${what}, no completion reported`,
    };
  }
  phaseLink();
  const since = statusSince(steps, input.at, input.dueSoonDays, status);
  const reportAt = task.completion ? lastOf(steps, 'CompletionReported') : -1;
  const inForce = task.completion ? task.completion.deadlineInForce : task.deadline;
  if (reportAt >= 0) {
    // The deadline completion is judged against: the one set last, by the report, to that date.
    const deadlineAt = lastSetting(steps, reportAt, inForce);
    chain.step(deadlineAt, 'DEADLINE_IN_FORCE', steps[reportAt]!.event.id);
  }
  const completedOn = task.completion?.completedOn ?? null;
  const what: Partial<Record<TaskStatus, string>> = {
    AWAITING_CONFIRMATION: `completion on ${completedOn} reported, not yet confirmed; deadline ${inForce ?? 'none'} in force`,
    COMPLETED_ON_TIME: `completed on ${completedOn}, by the deadline ${inForce ?? 'none'} in force then`,
    COMPLETED_LATE: `completed on ${completedOn}, after the deadline ${inForce} in force then`,
  };
  return {
    ...base, since, changed: true, deadlineInForce: inForce, completionReported: !!task.completion,
    summary: `${status} since ${dateAt(since)}${what[status] ? `: ${what[status]}` : ''}`,
  };
}

/**
 * When the task entered the status it has at `at`: between two events the task is fixed and time
 * alone moves an open task on (DUE_SOON, then OVERDUE, from the first instant of a Vietnam day),
 * so go back event by event while the status held, stopping where it began.
 */
function statusSince(steps: TaskStep[], at: string, dueSoonDays: number, status: TaskStatus): string {
  let since = at;
  for (let i = steps.length - 1; i >= 0; i--) {
    const view = steps[i]!.after;
    const start = steps[i]!.event.meta.occurredAt;
    const end = i === steps.length - 1 ? at : steps[i + 1]!.event.meta.occurredAt;
    if (taskStatus(view, end, dueSoonDays) !== status) break;
    const from = view.phase !== 'OPEN' || !view.deadline ? null
      : status === 'OVERDUE' ? startOf(addDays(view.deadline, 1))
        : status === 'DUE_SOON' ? startOf(addDays(view.deadline, -dueSoonDays)) : null;
    if (from && instantMs(from) > instantMs(start)) return from;
    since = start;
  }
  return since;
}

function lastOf(steps: TaskStep[], type: string): number {
  let i = steps.length - 1;
  while (i >= 0 && steps[i]!.event.type !== type) i--;
  return i;
}

/** The step, up to `upTo`, that last set the deadline to `deadline` (the assignment when none did). */
function lastSetting(steps: TaskStep[], upTo: number, deadline: string | null): number {
  for (let i = upTo; i > 0; i--) {
    const s = steps[i]!;
    if (s.before?.deadline !== s.after.deadline && s.after.deadline === deadline) return i;
  }
  return 0;
}
