import { deadlineOn } from '../../src/tasks/decide.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Basis } from '../../src/shared/schemas.js';
import type { TaskEvent } from '../../src/tasks/events.js';
import { evolveTask } from '../../src/tasks/evolve.js';
import type { Task, TaskState } from '../../src/tasks/state.js';
import { type TaskStatus, TaskStatuses, isCompleted, taskStatus } from '../../src/tasks/status.js';

// Oracle for Vietnam's calendar date, independent of luxon: UTC+7 all year (no DST since 1975).
const DAY_MS = 86_400_000;
const VN_OFFSET_MS = 7 * 3_600_000;
const vnDate = (ms: number): string => new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
/** The UTC instant at which `date` begins in Vietnam. */
const vnMidnight = (date: string): number => Date.parse(`${date}T00:00:00Z`) - VN_OFFSET_MS;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

type Ev<T extends TaskEvent['type']> = Extract<TaskEvent, { type: T }>;
const ev = <T extends TaskEvent['type']>(type: T, data: Ev<T>['data'], why: { reason?: string; basis?: Basis[] } = {}): TaskEvent =>
  ({ type, data, ...why }) as TaskEvent;

const assigned = (deadline: string | null) => ev('TaskAssigned', {
  taskId: 'NV-7', title: 'Làm sạch dữ liệu dân cư', description: null, output: null,
  source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
  leadUnitId: '01', coordinatorIds: [], deadline, indicators: [], confidential: false, parentId: null,
}, { reason: 'Giao', basis: [] });
const paused = ev('TaskPaused', { taskId: 'NV-7' }, { reason: 'Tạm hoãn', basis: [] });
const cancelled = ev('TaskCancelled', { taskId: 'NV-7' }, { reason: 'Thu hồi', basis: [] });
const requested = (proposedDeadline: string, currentDeadline: string | null) =>
  ev('DeadlineExtensionRequested', { taskId: 'NV-7', proposedDeadline, currentDeadline }, { reason: 'Xin gia hạn', basis: [] });
const approved = (deadline: string, previousDeadline: string | null) =>
  ev('DeadlineExtensionApproved', { taskId: 'NV-7', deadline, previousDeadline, proposedDeadline: deadline }, { reason: 'Đồng ý', basis: [] });
const reported = (completedOn: string, deadlineInForce: string | null) =>
  ev('CompletionReported', { taskId: 'NV-7', completedOn, evidence: 'Báo cáo', deadlineInForce }, { reason: 'Báo cáo', basis: [] });
const confirmed = (completedOn: string) => ev('CompletionConfirmed', { taskId: 'NV-7', completedOn }, { reason: 'Xác nhận hoàn thành' });
const rejected = (completedOn: string) => ev('CompletionRejected', { taskId: 'NV-7', completedOn }, { reason: 'Chưa đạt' });

/** Folds [instant, event] pairs into a task, as the stream would. */
function fold(...steps: [string, TaskEvent][]): Task {
  const task = steps.reduce<TaskState>((s, [at, e]) => evolveTask(s, e, at), null);
  if (!task) throw new Error('no task');
  return task;
}

const DEADLINE = '2026-11-26';
const WINDOW = 7;
const openWithDeadline = (deadline: string | null = DEADLINE) => fold(['2026-01-05T02:00:00.000Z', assigned(deadline)]);
const status = (task: Task, at: string, dueSoonDays = WINDOW): TaskStatus => taskStatus(task, at, dueSoonDays);

describe('taskStatus of an open task, at instants near midnight in Asia/Ho_Chi_Minh', () => {
  it.each<[string, string, TaskStatus]>([
    ['long before the deadline', '2026-06-01T03:00:00.000Z', 'IN_PROGRESS_ON_TIME'],
    ['23:59:59 on the 18th in Vietnam: 8 days left', '2026-11-18T16:59:59.000Z', 'IN_PROGRESS_ON_TIME'],
    ['00:00 on the 19th in Vietnam: 7 days left', '2026-11-18T17:00:00.000Z', 'DUE_SOON'],
    ['the day before the deadline', '2026-11-25T10:00:00.000Z', 'DUE_SOON'],
    ['00:00 on the deadline day in Vietnam (still the 25th in UTC)', '2026-11-25T17:00:00.000Z', 'DUE_SOON'],
    ['23:59:59 on the 26th in Vietnam: still the deadline day', '2026-11-26T16:59:59.000Z', 'DUE_SOON'],
    ['23:59:59.999 on the 26th in Vietnam', '2026-11-26T16:59:59.999Z', 'DUE_SOON'],
    ['00:00 on the 27th in Vietnam (still the 26th in UTC)', '2026-11-26T17:00:00.000Z', 'OVERDUE'],
    ['the same instants written with a +07:00 offset: 23:59:59 on the 26th', '2026-11-26T23:59:59+07:00', 'DUE_SOON'],
    ['and 00:00 on the 27th', '2026-11-27T00:00:00+07:00', 'OVERDUE'],
    ['a year later', '2027-11-27T00:00:00.000Z', 'OVERDUE'],
  ])('%s → %s', (_when, at, expected) => {
    expect(status(openWithDeadline(), at)).toBe(expected);
  });

  it('NO_DEADLINE for a recurring task, whenever asked', () => {
    const task = openWithDeadline(null);
    expect(status(task, '2020-01-01T00:00:00.000Z')).toBe('NO_DEADLINE');
    expect(status(task, '2040-01-01T00:00:00.000Z')).toBe('NO_DEADLINE');
  });

  it('the DUE_SOON window is configurable: 0 days means only the deadline day itself', () => {
    const task = openWithDeadline();
    expect(status(task, '2026-11-25T16:59:59.000Z', 0)).toBe('IN_PROGRESS_ON_TIME');
    expect(status(task, '2026-11-25T17:00:00.000Z', 0)).toBe('DUE_SOON');
    expect(status(task, '2026-11-26T17:00:00.000Z', 0)).toBe('OVERDUE');
    expect(status(task, '2026-10-27T10:00:00.000Z', 30)).toBe('DUE_SOON'); // 30 days left
    expect(status(task, '2026-10-26T10:00:00.000Z', 30)).toBe('IN_PROGRESS_ON_TIME'); // 31 days left
  });

  it('a task assigned with a deadline already past is OVERDUE at once', () => {
    const task = fold(['2026-06-15T03:00:00.000Z', assigned('2025-12-31')]);
    expect(status(task, '2026-06-15T03:00:00.000Z')).toBe('OVERDUE');
  });

  it('an approved extension moves an overdue task back in time', () => {
    const task = fold(
      ['2026-01-05T02:00:00.000Z', assigned(DEADLINE)],
      ['2026-11-20T02:00:00.000Z', requested('2026-12-31', DEADLINE)],
      ['2026-11-28T02:00:00.000Z', approved('2026-12-31', DEADLINE)],
    );
    expect(status(task, '2026-11-28T03:00:00.000Z')).toBe('IN_PROGRESS_ON_TIME');
    expect(status(task, '2026-12-31T16:59:59.000Z')).toBe('DUE_SOON');
    expect(status(task, '2026-12-31T17:00:00.000Z')).toBe('OVERDUE');
  });

  it('a pending (not yet approved) request changes nothing', () => {
    const task = fold(['2026-01-05T02:00:00.000Z', assigned(DEADLINE)], ['2026-11-20T02:00:00.000Z', requested('2026-12-31', DEADLINE)]);
    expect(status(task, '2026-11-28T03:00:00.000Z')).toBe('OVERDUE');
  });
});

describe('taskStatus of tasks that are not open', () => {
  const start: [string, TaskEvent] = ['2026-01-05T02:00:00.000Z', assigned(DEADLINE)];

  it('PAUSED and CANCELLED whatever the deadline', () => {
    const p = fold(start, ['2026-03-01T02:00:00.000Z', paused]);
    const c = fold(start, ['2026-03-01T02:00:00.000Z', cancelled]);
    for (const at of ['2026-03-02T00:00:00.000Z', '2026-11-25T00:00:00.000Z', '2027-01-01T00:00:00.000Z']) {
      expect(status(p, at)).toBe('PAUSED');
      expect(status(c, at)).toBe('CANCELLED');
    }
  });

  it('AWAITING_CONFIRMATION, even past the deadline', () => {
    const task = fold(start, ['2026-11-20T02:00:00.000Z', reported('2026-11-20', DEADLINE)]);
    expect(status(task, '2026-11-21T00:00:00.000Z')).toBe('AWAITING_CONFIRMATION');
    expect(status(task, '2027-01-01T00:00:00.000Z')).toBe('AWAITING_CONFIRMATION');
  });

  it('a rejected completion puts the task back in progress, and overdue if the deadline has passed', () => {
    const task = fold(
      start,
      ['2026-11-20T02:00:00.000Z', reported('2026-11-20', DEADLINE)],
      ['2026-11-30T02:00:00.000Z', rejected('2026-11-20')],
    );
    expect(status(task, '2026-11-30T03:00:00.000Z')).toBe('OVERDUE');
  });
});

describe('on-time vs late completion', () => {
  const start: [string, TaskEvent] = ['2026-01-05T02:00:00.000Z', assigned(DEADLINE)];
  const completedOn = (date: string, reportedAt = `${date}T09:00:00.000Z`) =>
    fold(start, [reportedAt, reported(date, DEADLINE)], [reportedAt, confirmed(date)]);

  it.each<[string, TaskStatus]>([
    ['2026-11-01', 'COMPLETED_ON_TIME'],
    ['2026-11-26', 'COMPLETED_ON_TIME'], // on the deadline day itself
    ['2026-11-27', 'COMPLETED_LATE'],
    ['2027-02-01', 'COMPLETED_LATE'],
  ])('completed on %s against the deadline %s → %s', (date, expected) => {
    const task = completedOn(date);
    expect(status(task, '2027-06-01T00:00:00.000Z')).toBe(expected);
    expect(status(task, '2026-11-28T00:00:00.000Z')).toBe(expected); // independent of when asked
  });

  it('judges the completion date, not the day it was reported or confirmed', () => {
    // Done on the deadline day, reported and confirmed a week later: on time.
    const task = fold(start, ['2026-12-03T02:00:00.000Z', reported('2026-11-26', DEADLINE)], ['2026-12-04T02:00:00.000Z', confirmed('2026-11-26')]);
    expect(status(task, '2026-12-05T00:00:00.000Z')).toBe('COMPLETED_ON_TIME');
  });

  it('an extension approved after a late completion was reported does not make it on time', () => {
    const task = fold(
      start,
      ['2026-11-20T02:00:00.000Z', requested('2026-12-31', DEADLINE)],
      ['2026-12-02T02:00:00.000Z', reported('2026-12-01', DEADLINE)],
      ['2026-12-03T02:00:00.000Z', approved('2026-12-31', DEADLINE)],
      ['2026-12-04T02:00:00.000Z', confirmed('2026-12-01')],
    );
    expect(task.deadline).toBe('2026-12-31'); // the extension took effect on the task...
    expect(task.completion).toStrictEqual({ completedOn: '2026-12-01', deadlineInForce: DEADLINE });
    expect(status(task, '2026-12-05T00:00:00.000Z')).toBe('COMPLETED_LATE'); // ...but not on its completion
  });

  it('an extension approved before completion was reported counts', () => {
    const task = fold(
      start,
      ['2026-11-20T02:00:00.000Z', requested('2026-12-31', DEADLINE)],
      ['2026-11-25T02:00:00.000Z', approved('2026-12-31', DEADLINE)],
      ['2026-12-02T02:00:00.000Z', reported('2026-12-01', '2026-12-31')],
      ['2026-12-04T02:00:00.000Z', confirmed('2026-12-01')],
    );
    expect(status(task, '2026-12-05T00:00:00.000Z')).toBe('COMPLETED_ON_TIME');
  });

  it('a task without deadline is completed on time', () => {
    const task = fold(['2026-01-05T02:00:00.000Z', assigned(null)], ['2026-12-02T02:00:00.000Z', reported('2026-12-01', null)], [
      '2026-12-04T02:00:00.000Z', confirmed('2026-12-01'),
    ]);
    expect(status(task, '2026-12-05T00:00:00.000Z')).toBe('COMPLETED_ON_TIME');
  });

  it('isCompleted holds for the two completed statuses only', () => {
    expect(TaskStatuses.filter(isCompleted)).toStrictEqual(['COMPLETED_ON_TIME', 'COMPLETED_LATE']);
  });
});

describe('properties', () => {
  const FIRST = Date.parse('2024-01-01T00:00:00Z');
  const deadlineArb = fc.integer({ min: 0, max: 7 * 365 }).map((d) => isoDay(FIRST + d * DAY_MS));
  /** Instants spread widely, and instants within seconds of a Vietnamese midnight near the deadline. */
  const instantFor = (deadline: string) => fc.oneof(
    fc.integer({ min: -60 * DAY_MS, max: 60 * DAY_MS }).map((off) => vnMidnight(deadline) + off),
    fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -2_000, max: 2_000 }))
      .map(([days, ms]) => vnMidnight(deadline) + days * DAY_MS + ms),
  );
  const caseArb = deadlineArb.chain((deadline) => fc.tuple(fc.constant(deadline), instantFor(deadline), fc.integer({ min: 0, max: 30 })));

  it('an OPEN task with a deadline is OVERDUE iff the Vietnam date of `at` is after the deadline', () => {
    fc.assert(fc.property(caseArb, ([deadline, ms, window]) => {
      const task = openWithDeadline(deadline);
      const at = new Date(ms).toISOString();
      expect(taskStatus(task, at, window) === 'OVERDUE').toBe(vnDate(ms) > deadline);
    }), { numRuns: 500 });
  });

  it('an OPEN task that is not overdue is DUE_SOON iff at most `window` days remain (Vietnam dates)', () => {
    fc.assert(fc.property(caseArb, ([deadline, ms, window]) => {
      const today = vnDate(ms);
      fc.pre(today <= deadline);
      const daysLeft = (Date.parse(`${deadline}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS;
      const expected: TaskStatus = daysLeft <= window ? 'DUE_SOON' : 'IN_PROGRESS_ON_TIME';
      expect(taskStatus(openWithDeadline(deadline), new Date(ms).toISOString(), window)).toBe(expected);
    }), { numRuns: 500 });
  });
});

describe('the deadline in force on the completion date', () => {
  const base = { deadline: '2026-06-30', deadlines: [{ since: '2026-01-10', deadline: '2026-06-30' }, { since: '2026-07-20', deadline: '2026-12-31' }] };

  it('is the original deadline for work done before an extension took force', () => {
    expect(deadlineOn(base as never, '2026-07-05')).toBe('2026-06-30');
  });

  it('is the extended deadline for work done after the extension', () => {
    expect(deadlineOn(base as never, '2026-08-01')).toBe('2026-12-31');
  });

  it('is the first deadline for work dated before the task was even recorded', () => {
    expect(deadlineOn(base as never, '2025-12-01')).toBe('2026-06-30');
  });
});
