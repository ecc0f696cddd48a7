import type { IndicatorTarget, SourceDocument } from './events.js';

export type TaskPhase = 'OPEN' | 'AWAITING_CONFIRMATION' | 'COMPLETED' | 'PAUSED' | 'CANCELLED';

export interface IndicatorState extends IndicatorTarget {
  /** Latest value this task's lead unit reported (not the roll-up). */
  actual: number | null;
  actualAt: string | null;
}

/** A task as its stream tells it. The same shape serves the decider and the task view. */
export interface Task {
  id: string;
  title: string;
  description: string | null;
  output: string | null;
  source: SourceDocument;
  leadUnitId: string;
  coordinatorIds: string[];
  deadline: string | null;
  /** Every deadline the task has had and the Vietnam date it took force: lateness is judged against the one in force on the completion date. */
  deadlines: { since: string; deadline: string | null }[];
  confidential: boolean;
  parentId: string | null;
  childIds: string[];
  indicators: IndicatorState[];
  progress: number | null;
  phase: TaskPhase;
  pendingExtension: { proposedDeadline: string; requestedAt: string } | null;
  /** Set when completion is reported; kept when confirmed; cleared when rejected. */
  completion: { completedOn: string; deadlineInForce: string | null } | null;
  assignedAt: string;
  updatedAt: string;
}

export type TaskState = Task | null;
export const initialTaskState: TaskState = null;
