import { describe, expect, it } from 'vitest';
import { parse } from '../../src/app/parse.js';
import { TiendoError } from '../../src/errors.js';
import type { Basis } from '../../src/shared/schemas.js';
import * as C from '../../src/tasks/commands.js';
import { childTaskId, decideTask, delegatedTasks, type TaskContext } from '../../src/tasks/decide.js';
import { type TaskEvent, rollupOf } from '../../src/tasks/events.js';
import { evolveTask } from '../../src/tasks/evolve.js';
import { initialTaskState, type Task, type TaskPhase, type TaskState } from '../../src/tasks/state.js';
import { DeciderSpecification, at, type Given, type UnitInput } from '../support/given-when-then.js';

// ── fixtures ────────────────────────────────────────────────────────────────────────────────

/** 10:00 on 15 June 2026 in Hà Nội. */
const NOW = '2026-06-15T03:00:00.000Z';
const ASSIGNED_AT = '2026-01-05T02:00:00.000Z';

const UNITS: UnitInput[] = [
  { id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' },
  { id: 'BCA', kind: 'MINISTRY', parentId: 'GOV', name: 'Bộ Công an' },
  { id: 'BTC', kind: 'MINISTRY', parentId: 'GOV', name: 'Bộ Tài chính' },
  { id: '01', kind: 'PROVINCE', parentId: 'GOV', name: 'Thành phố Hà Nội' },
  { id: '46', kind: 'PROVINCE', parentId: 'GOV', name: 'Thành phố Huế' },
  { id: '48', kind: 'PROVINCE', parentId: 'GOV', name: 'Thành phố Đà Nẵng' },
  { id: '00004', kind: 'COMMUNE', parentId: '01', name: 'Phường Ba Đình' },
];

const SOURCE = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const DOC: Basis = { kind: 'DOCUMENT', ref: '06/QĐ-TTg' };
const VNEID = { code: 'VNEID_L2_ACTIVATED', name: 'Tài khoản định danh điện tử mức 2 được kích hoạt', unitOfMeasure: 'tài khoản', target: 1000 };
const CLEANED = { code: 'POP_DATA_CLEANED', name: 'Dữ liệu dân cư đúng, đủ, sạch, sống', unitOfMeasure: 'bản ghi', target: null };

type Ev<T extends TaskEvent['type']> = Extract<TaskEvent, { type: T }>;
const ev = <T extends TaskEvent['type']>(type: T, data: Ev<T>['data'], why: { reason?: string; basis?: Basis[] } = {}): TaskEvent =>
  ({ type, data, ...why }) as TaskEvent;

const assignedData: Ev<'TaskAssigned'>['data'] = {
  taskId: 'NV-1',
  title: 'Kích hoạt tài khoản định danh điện tử mức 2',
  description: 'Đẩy mạnh cấp và kích hoạt tài khoản VNeID',
  output: null,
  source: SOURCE,
  leadUnitId: 'BCA',
  coordinatorIds: ['BTC'],
  deadline: '2026-11-26',
  indicators: [VNEID, CLEANED],
  confidential: false,
  parentId: null,
};
const assigned = (over: Partial<Ev<'TaskAssigned'>['data']> = {}) =>
  ev('TaskAssigned', { ...assignedData, ...over }, { reason: 'Giao nhiệm vụ theo 06/QĐ-TTg ngày 2022-01-06', basis: [DOC] });

const ASSIGNED = assigned();
const PAUSED = ev('TaskPaused', { taskId: 'NV-1' }, { reason: 'Chờ hướng dẫn của Bộ', basis: [] });
const RESUMED = ev('TaskResumed', { taskId: 'NV-1' }, { reason: 'Đã có hướng dẫn', basis: [] });
const COMPLETION_REPORTED = ev(
  'CompletionReported',
  { taskId: 'NV-1', completedOn: '2026-06-10', evidence: 'Biên bản nghiệm thu', deadlineInForce: '2026-11-26' },
  { reason: 'Biên bản nghiệm thu', basis: [] },
);
const CONFIRMED = ev('CompletionConfirmed', { taskId: 'NV-1', completedOn: '2026-06-10' }, { reason: 'Xác nhận hoàn thành' });
const CANCELLED = ev('TaskCancelled', { taskId: 'NV-1' }, { reason: 'Không còn phù hợp', basis: [] });
const EXTENSION_REQUESTED = ev(
  'DeadlineExtensionRequested',
  { taskId: 'NV-1', proposedDeadline: '2026-12-31', currentDeadline: '2026-11-26' },
  { reason: 'Chờ nâng cấp hạ tầng', basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }] },
);

const PHASES: Record<TaskPhase, TaskEvent[]> = {
  OPEN: [ASSIGNED],
  PAUSED: [ASSIGNED, PAUSED],
  AWAITING_CONFIRMATION: [ASSIGNED, COMPLETION_REPORTED],
  COMPLETED: [ASSIGNED, COMPLETION_REPORTED, CONFIRMED],
  CANCELLED: [ASSIGNED, CANCELLED],
};

// ── commands, validated by the same zod schemas the API uses ──────────────────────────────────

const ASSIGN_INPUT = {
  id: 'NV-1',
  title: '  Kích hoạt tài khoản định danh điện tử mức 2 ',
  description: 'Đẩy mạnh cấp và kích hoạt tài khoản VNeID',
  source: SOURCE,
  leadUnitId: 'BCA',
  coordinatorIds: ['BTC'],
  deadline: '2026-11-26',
  indicators: [VNEID, CLEANED],
};
type Input = Record<string, unknown>;
type TaskCommand = Parameters<typeof decideTask>[0];

const assign = (input: Input = {}): TaskCommand => ({ type: 'AssignTask', data: parse(C.AssignTask, { ...ASSIGN_INPUT, ...input }) });
const delegate = (input: Input): TaskCommand => ({ type: 'DelegateTask', data: parse(C.DelegateTask, { taskId: 'NV-1', ...input }) });
const reassign = (input: Input): TaskCommand => ({
  type: 'ReassignTask', data: parse(C.ReassignTask, { taskId: 'NV-1', reason: 'Điều chỉnh đơn vị chủ trì', ...input }),
});
const reportProgress = (input: Input): TaskCommand => ({
  type: 'ReportProgress', data: parse(C.ReportProgress, { taskId: 'NV-1', note: 'Cập nhật tiến độ', ...input }),
});
const requestExtension = (input: Input = {}): TaskCommand => ({
  type: 'RequestDeadlineExtension',
  data: parse(C.RequestDeadlineExtension, { taskId: 'NV-1', proposedDeadline: '2026-12-31', reason: 'Chờ nâng cấp hạ tầng', ...input }),
});
const decideExtension = (input: Input): TaskCommand => ({
  type: 'DecideDeadlineExtension', data: parse(C.DecideDeadlineExtension, { taskId: 'NV-1', reason: 'Ý kiến của Tổ công tác', ...input }),
});
const reportCompletion = (input: Input = {}): TaskCommand => ({
  type: 'ReportCompletion',
  data: parse(C.ReportCompletion, { taskId: 'NV-1', completedOn: '2026-06-10', evidence: 'Biên bản nghiệm thu', ...input }),
});
const confirm = (input: Input = {}): TaskCommand => ({ type: 'ConfirmCompletion', data: parse(C.DecideCompletion, { taskId: 'NV-1', ...input }) });
const reject = (input: Input = {}): TaskCommand => ({ type: 'RejectCompletion', data: parse(C.DecideCompletion, { taskId: 'NV-1', ...input }) });
const phaseChange = (type: 'PauseTask' | 'ResumeTask' | 'CancelTask', input: Input = {}): TaskCommand => ({
  type, data: parse(C.ChangeTaskPhase, { taskId: 'NV-1', reason: 'Theo chỉ đạo', ...input }),
});

const spec = DeciderSpecification<TaskCommand, TaskEvent, TaskState, TaskContext>(
  { decide: decideTask, evolve: evolveTask, initialState: initialTaskState },
  ({ now, units }) => ({ now, units }),
  { now: NOW, units: UNITS, at: ASSIGNED_AT },
);
const given = (events: Given<TaskEvent>[] = []) => spec.given(events);

// ── AssignTask ───────────────────────────────────────────────────────────────────────────────

describe('AssignTask', () => {
  it('records the task, with the default reason and the source document as basis', () => {
    const task = given().when(assign()).then([ASSIGNED]);
    expect(task).toStrictEqual<Task>({
      id: 'NV-1', title: 'Kích hoạt tài khoản định danh điện tử mức 2', description: 'Đẩy mạnh cấp và kích hoạt tài khoản VNeID',
      output: null, source: SOURCE, leadUnitId: 'BCA', coordinatorIds: ['BTC'], deadline: '2026-11-26', confidential: false,
      deadlines: [{ since: '2026-06-15', deadline: '2026-11-26' }], parentId: null, childIds: [],
      indicators: [{ ...VNEID, actual: null, actualAt: null }, { ...CLEANED, actual: null, actualAt: null }],
      progress: null, phase: 'OPEN', pendingExtension: null, completion: null, assignedAt: NOW, updatedAt: NOW,
    });
  });

  it('keeps a given reason and puts the source document first in the basis', () => {
    given()
      .when(assign({ reason: 'Theo Kế hoạch 2026', basis: [{ kind: 'DOCUMENT', ref: '1911/QĐ-TTg' }], output: 'Báo cáo', confidential: true }))
      .then([ev('TaskAssigned', { ...assignedData, output: 'Báo cáo', confidential: true }, {
        reason: 'Theo Kế hoạch 2026', basis: [DOC, { kind: 'DOCUMENT', ref: '1911/QĐ-TTg' }],
      })]);
  });

  it('does not list the source document twice when the basis already cites it', () => {
    given()
      .when(assign({ basis: [{ kind: 'FINDING', ref: 'PH-9' }, DOC] }))
      .then([ev('TaskAssigned', assignedData, {
        reason: 'Giao nhiệm vụ theo 06/QĐ-TTg ngày 2022-01-06', basis: [{ kind: 'FINDING', ref: 'PH-9' }, DOC],
      })]);
  });

  it('accepts a deadline already past (a task recorded after the fact)', () => {
    given().when(assign({ deadline: '2025-12-31' })).then([assigned({ deadline: '2025-12-31' })]);
  });

  it('records a recurring task (no deadline) with deadline null, omitted or explicit', () => {
    const { deadline: _omit, ...withoutDeadline } = ASSIGN_INPUT;
    given().when({ type: 'AssignTask', data: parse(C.AssignTask, withoutDeadline) }).then([assigned({ deadline: null })]);
    given().when(assign({ deadline: null })).then([assigned({ deadline: null })]);
  });

  it('turns a blank description into null', () => {
    given().when(assign({ description: '   ' })).then([assigned({ description: null })]);
  });

  it('refuses a coordinating unit listed twice', () => {
    given().when(assign({ coordinatorIds: ['BTC', '01', 'BTC'] })).thenThrows('BAD_USER_INPUT', 'listed twice');
  });

  it('refuses a lead unit that also coordinates (one lead unit, never two)', () => {
    given().when(assign({ coordinatorIds: ['BTC', 'BCA'] })).thenThrows('BAD_USER_INPUT', 'cannot also coordinate');
  });

  it('refuses an unknown lead unit with NOT_FOUND', () => {
    const error = given().when(assign({ leadUnitId: 'B99' })).thenThrows('NOT_FOUND', 'UNIT_NOT_FOUND');
    expect(error.details).toEqual({ id: 'B99' });
  });

  it('refuses an unknown coordinating unit with NOT_FOUND', () => {
    given().when(assign({ coordinatorIds: ['BTC', 'B99'] })).thenThrows('NOT_FOUND', 'UNIT_NOT_FOUND');
  });

  it('refuses a task that already exists with CONFLICT', () => {
    given([ASSIGNED]).when(assign({ title: 'Khác' })).thenThrows('CONFLICT', 'ALREADY_EXISTS');
  });

  it('refuses an id with "/" (the mark of delegated tasks)', () => {
    given().when(assign({ id: 'NV-1/01' })).thenThrows('BAD_USER_INPUT', 'may not contain "/"');
  });

  it('refuses an indicator code listed twice', () => {
    given().when(assign({ indicators: [VNEID, { ...VNEID, target: 5 }] })).thenThrows('BAD_USER_INPUT', 'listed twice');
  });
});

describe('indicator roll-ups (SUM unless declared)', () => {
  const RATE = { code: 'ONLINE_RATE', name: 'Tỷ lệ hồ sơ trực tuyến toàn trình', unitOfMeasure: '%', target: 80 };

  it('records a declared roll-up on its indicator, and none where none (or null) is declared', () => {
    const task = given().when(assign({ indicators: [{ ...RATE, rollup: 'AVERAGE' }, { ...VNEID, rollup: null }, CLEANED] }))
      .then([assigned({ indicators: [{ ...RATE, rollup: 'AVERAGE' }, VNEID, CLEANED] })]);
    expect(task!.indicators.map(rollupOf)).toStrictEqual(['AVERAGE', 'SUM', 'SUM']);
  });

  it.each(['SUM', 'AVERAGE', 'MAX', 'LATEST'] as const)('accepts %s', (rollup) => {
    given().when(assign({ indicators: [{ ...RATE, rollup }] })).then([assigned({ indicators: [{ ...RATE, rollup }] })]);
  });

  it('takes an omitted target as none (GraphQL drops an optional null)', () => {
    const { target: _omitted, ...withoutTarget } = RATE;
    given().when(assign({ indicators: [withoutTarget] })).then([assigned({ indicators: [{ ...RATE, target: null }] })]);
  });

  it('reads an indicator assigned before roll-ups existed as SUM', () => {
    expect(given([ASSIGNED]).state!.indicators.map(rollupOf)).toStrictEqual(['SUM', 'SUM']);
  });

  it.each([['MEDIAN'], ['average'], [3]])('refuses the roll-up %j, naming the field', (rollup) => {
    expect(() => parse(C.AssignTask, { ...ASSIGN_INPUT, indicators: [{ ...RATE, rollup }] }))
      .toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringContaining('indicators.0.rollup') }));
  });

  it('delegated tasks inherit the roll-up with their own targets', () => {
    const parent = given([assigned({ indicators: [{ ...RATE, rollup: 'MAX' }, VNEID] })]).state!;
    const delegation = ev('TaskDelegated', {
      taskId: 'NV-1', children: [{ taskId: 'NV-1/01', leadUnitId: '01', deadline: null, targets: [{ code: RATE.code, value: 90 }] }],
    }, { reason: 'Phân giao cho 1 đơn vị', basis: [DOC] });
    const [child] = delegatedTasks(parent, delegation as Ev<'TaskDelegated'>);
    expect((child!.data as Ev<'TaskAssigned'>['data']).indicators).toStrictEqual([{ ...RATE, target: 90, rollup: 'MAX' }, { ...VNEID, target: null }]);
  });
});

describe('task command input (zod schemas through parse)', () => {
  const refused = (input: Input, messagePart: string) => {
    let thrown: unknown;
    try {
      parse(C.AssignTask, { ...ASSIGN_INPUT, ...input });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TiendoError);
    expect((thrown as TiendoError).code).toBe('BAD_USER_INPUT');
    expect((thrown as TiendoError).message).toContain(messagePart);
  };

  it.each([
    ['a date that does not exist (2026-13-45)', { deadline: '2026-13-45' }, 'deadline: is not a real calendar date'],
    ['30 February', { deadline: '2026-02-30' }, 'deadline: is not a real calendar date'],
    ['a date not in YYYY-MM-DD', { deadline: '26/11/2026' }, 'deadline: must be a date YYYY-MM-DD'],
    ['a source date not in YYYY-MM-DD', { source: { ...SOURCE, date: '2022-1-6' } }, 'source.date: must be a date YYYY-MM-DD'],
    ['a blank title', { title: '   ' }, 'title: must not be blank'],
    ['a title over 500 characters', { title: 'x'.repeat(501) }, 'title: must be at most 500 characters'],
    ['a NUL character in the title', { title: 'Nhiệm vụ\u0000' }, 'title: must not contain NUL characters'],
    ['a lower-case indicator code', { indicators: [{ ...VNEID, code: 'vneid' }] }, 'indicators.0.code: indicator codes are UPPER_SNAKE_CASE'],
    ['a negative target', { indicators: [{ ...VNEID, target: -1 }] }, 'indicators.0.target'],
    ['a unit id with a space', { coordinatorIds: ['B TC'] }, 'coordinatorIds.0: may hold letters, digits'],
  ])('refuses %s', (_name, input, messagePart) => refused(input, messagePart));

  it('accepts a title of exactly 500 characters, and trims titles', () => {
    expect(parse(C.AssignTask, { ...ASSIGN_INPUT, title: 'x'.repeat(500) }).title).toHaveLength(500);
    expect(parse(C.AssignTask, ASSIGN_INPUT).title).toBe('Kích hoạt tài khoản định danh điện tử mức 2');
  });

  it('refuses a progress percentage above 100 and a delegation to nobody', () => {
    expect(() => parse(C.ReportProgress, { taskId: 'NV-1', percent: 101, note: 'x' })).toThrow(/percent/);
    expect(() => parse(C.DelegateTask, { taskId: 'NV-1', to: [] })).toThrow(/to/);
  });
});

// ── DelegateTask ─────────────────────────────────────────────────────────────────────────────

describe('DelegateTask', () => {
  const DELEGATED = ev('TaskDelegated', {
    taskId: 'NV-1',
    children: [
      { taskId: 'NV-1/01', leadUnitId: '01', deadline: '2026-11-26', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 600 }] },
      { taskId: 'NV-1/48', leadUnitId: '48', deadline: '2026-10-31', targets: [] },
      { taskId: 'NV-1/46', leadUnitId: '46', deadline: null, targets: [] },
    ],
  }, { reason: 'Phân giao cho 3 đơn vị', basis: [DOC] });

  const delegation = () => delegate({
    to: [
      { leadUnitId: '01', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 600 }] },
      { leadUnitId: '48', deadline: '2026-10-31' },
      { leadUnitId: '46', deadline: null },
    ],
  });

  it('creates children `${parent}/${unit}`: deadline inherited unless given, explicit null = no deadline', () => {
    const task = given([ASSIGNED]).when(delegation()).then([DELEGATED]);
    expect(task?.childIds).toStrictEqual(['NV-1/01', 'NV-1/48', 'NV-1/46']);
    expect(childTaskId('NV-1', '01')).toBe('NV-1/01');
  });

  it('inherits the deadline in force, after an approved extension', () => {
    given([ASSIGNED, ev('DeadlineExtensionApproved', {
      taskId: 'NV-1', deadline: '2026-12-31', previousDeadline: '2026-11-26', proposedDeadline: null,
    }, { reason: 'Đồng ý', basis: [] })])
      .when(delegate({ to: [{ leadUnitId: '01' }] }))
      .then([ev('TaskDelegated', {
        taskId: 'NV-1', children: [{ taskId: 'NV-1/01', leadUnitId: '01', deadline: '2026-12-31', targets: [] }],
      }, { reason: 'Phân giao cho 1 đơn vị', basis: [DOC] })]);
  });

  it('carries a given reason and basis (source document first)', () => {
    given([ASSIGNED])
      .when(delegate({ to: [{ leadUnitId: '01' }], reason: 'Theo Kế hoạch 12/KH-BCA', basis: [{ kind: 'DOCUMENT', ref: '12/KH-BCA' }] }))
      .then([ev('TaskDelegated', {
        taskId: 'NV-1', children: [{ taskId: 'NV-1/01', leadUnitId: '01', deadline: '2026-11-26', targets: [] }],
      }, { reason: 'Theo Kế hoạch 12/KH-BCA', basis: [DOC, { kind: 'DOCUMENT', ref: '12/KH-BCA' }] })]);
  });

  it('may delegate a paused task', () => {
    given([ASSIGNED, PAUSED]).when(delegate({ to: [{ leadUnitId: '01' }] })).then([ev('TaskDelegated', {
      taskId: 'NV-1', children: [{ taskId: 'NV-1/01', leadUnitId: '01', deadline: '2026-11-26', targets: [] }],
    }, { reason: 'Phân giao cho 1 đơn vị', basis: [DOC] })]);
  });

  it('refuses targets for an indicator the task does not have', () => {
    given([ASSIGNED])
      .when(delegate({ to: [{ leadUnitId: '01', targets: [{ code: 'ESSENTIAL_SERVICES_ONLINE', value: 25 }] }] }))
      .thenThrows('BAD_USER_INPUT', 'has no indicator ESSENTIAL_SERVICES_ONLINE');
  });

  it('refuses a target given twice for one unit', () => {
    given([ASSIGNED])
      .when(delegate({ to: [{ leadUnitId: '01', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 1 }, { code: 'VNEID_L2_ACTIVATED', value: 2 }] }] }))
      .thenThrows('BAD_USER_INPUT', 'given twice');
  });

  it('refuses delegating twice to the same unit with CONFLICT', () => {
    given([ASSIGNED, DELEGATED]).when(delegate({ to: [{ leadUnitId: '48' }] })).thenThrows('CONFLICT', 'NV-1/48 already exists');
  });

  it('refuses the same unit listed twice in one delegation', () => {
    given([ASSIGNED]).when(delegate({ to: [{ leadUnitId: '01' }, { leadUnitId: '01' }] })).thenThrows('BAD_USER_INPUT', 'listed twice');
  });

  it('refuses delegating to its own lead unit', () => {
    given([ASSIGNED]).when(delegate({ to: [{ leadUnitId: 'BCA' }] })).thenThrows('BAD_USER_INPUT', 'own lead unit');
  });

  it('refuses an unknown unit with NOT_FOUND', () => {
    given([ASSIGNED]).when(delegate({ to: [{ leadUnitId: '99' }] })).thenThrows('NOT_FOUND', 'UNIT_NOT_FOUND');
  });

  it('refuses an unknown task with NOT_FOUND', () => {
    given().when(delegate({ to: [{ leadUnitId: '01' }] })).thenThrows('NOT_FOUND', 'TASK_NOT_FOUND');
  });

  it.each(['AWAITING_CONFIRMATION', 'COMPLETED', 'CANCELLED'] as const)('refuses to delegate a task that is %s', (phase) => {
    given(PHASES[phase]).when(delegate({ to: [{ leadUnitId: '01' }] })).thenThrows('CONFLICT', 'INVALID_STATE');
  });

  it('delegatedTasks: the first event of each child stream copies the parent, with the targets given and the delegation\'s why', () => {
    const parent = given([ASSIGNED]).state!;
    const children = delegatedTasks(parent, DELEGATED as Ev<'TaskDelegated'>);
    const child = (taskId: string, leadUnitId: string, deadline: string | null, vneidTarget: number | null) =>
      ev('TaskAssigned', {
        taskId, title: assignedData.title, description: assignedData.description, output: null, source: SOURCE,
        leadUnitId, coordinatorIds: [], deadline,
        indicators: [{ ...VNEID, target: vneidTarget }, { ...CLEANED, target: null }],
        confidential: false, parentId: 'NV-1',
      }, { reason: 'Phân giao cho 3 đơn vị', basis: [DOC] });
    expect(children).toStrictEqual([
      child('NV-1/01', '01', '2026-11-26', 600),
      child('NV-1/48', '48', '2026-10-31', null),
      child('NV-1/46', '46', null, null),
    ]);
  });

  it('a delegated task delegates further: NV-1/01 → NV-1/01/00004', () => {
    const parent = given([ASSIGNED]).state!;
    const [toHanoi] = delegatedTasks(parent, DELEGATED as Ev<'TaskDelegated'>);
    given([toHanoi!]).when(delegate({ taskId: 'NV-1/01', to: [{ leadUnitId: '00004', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 50 }] }] }))
      .then([ev('TaskDelegated', {
        taskId: 'NV-1/01',
        children: [{ taskId: 'NV-1/01/00004', leadUnitId: '00004', deadline: '2026-11-26', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 50 }] }],
      }, { reason: 'Phân giao cho 1 đơn vị', basis: [DOC] })]);
  });
});

// ── ReassignTask ─────────────────────────────────────────────────────────────────────────────

describe('ReassignTask', () => {
  it('changes the lead unit, recording the previous one, the reason and the basis', () => {
    const task = given([ASSIGNED])
      .when(reassign({ leadUnitId: 'BTC', basis: [{ kind: 'DOCUMENT', ref: '88/TB-VPCP' }] }))
      .then([ev('TaskReassigned', { taskId: 'NV-1', leadUnitId: 'BTC', previousLeadUnitId: 'BCA' }, {
        reason: 'Điều chỉnh đơn vị chủ trì', basis: [{ kind: 'DOCUMENT', ref: '88/TB-VPCP' }],
      })]);
    expect(task?.leadUnitId).toBe('BTC');
  });

  it.each(['PAUSED', 'AWAITING_CONFIRMATION'] as const)('may reassign a task that is %s', (phase) => {
    given(PHASES[phase]).when(reassign({ leadUnitId: '01' })).then([
      ev('TaskReassigned', { taskId: 'NV-1', leadUnitId: '01', previousLeadUnitId: 'BCA' }, { reason: 'Điều chỉnh đơn vị chủ trì', basis: [] }),
    ]);
  });

  it('refuses the unit that already leads', () => {
    given([ASSIGNED]).when(reassign({ leadUnitId: 'BCA' })).thenThrows('CONFLICT', 'already leads');
  });

  it('refuses an unknown unit with NOT_FOUND', () => {
    given([ASSIGNED]).when(reassign({ leadUnitId: 'B99' })).thenThrows('NOT_FOUND', 'UNIT_NOT_FOUND');
  });

  it.each(['COMPLETED', 'CANCELLED'] as const)('refuses a task that is %s', (phase) => {
    given(PHASES[phase]).when(reassign({ leadUnitId: '01' })).thenThrows('CONFLICT', 'INVALID_STATE');
  });

  it('refuses a blank reason at the input', () => {
    expect(() => reassign({ leadUnitId: '01', reason: ' ' })).toThrow('reason: must not be blank');
  });
});

// ── ReportProgress ───────────────────────────────────────────────────────────────────────────

describe('ReportProgress', () => {
  it('records percent and indicator figures; the note is the reason', () => {
    const task = given([ASSIGNED])
      .when(reportProgress({ percent: 40, indicators: [{ code: 'VNEID_L2_ACTIVATED', value: 420 }], note: 'Đã kích hoạt 420 tài khoản' }))
      .then([ev('ProgressReported', {
        taskId: 'NV-1', percent: 40, indicators: [{ code: 'VNEID_L2_ACTIVATED', value: 420 }], note: 'Đã kích hoạt 420 tài khoản',
      }, { reason: 'Đã kích hoạt 420 tài khoản' })]);
    expect(task?.progress).toBe(40);
    expect(task?.indicators[0]).toStrictEqual({ ...VNEID, actual: 420, actualAt: NOW });
    expect(task?.indicators[1]).toStrictEqual({ ...CLEANED, actual: null, actualAt: null });
  });

  it('records figures alone with percent null, and evolve keeps the earlier percentage', () => {
    const earlier = ev('ProgressReported', { taskId: 'NV-1', percent: 30, indicators: [], note: 'a' }, { reason: 'a' });
    const task = given([ASSIGNED, earlier])
      .when(reportProgress({ indicators: [{ code: 'POP_DATA_CLEANED', value: 12.5 }] }))
      .then([ev('ProgressReported', {
        taskId: 'NV-1', percent: null, indicators: [{ code: 'POP_DATA_CLEANED', value: 12.5 }], note: 'Cập nhật tiến độ',
      }, { reason: 'Cập nhật tiến độ' })]);
    expect(task?.progress).toBe(30);
    expect(task?.indicators[1]?.actual).toBe(12.5);
  });

  it('records a percentage of 0', () => {
    given([ASSIGNED]).when(reportProgress({ percent: 0 })).then([
      ev('ProgressReported', { taskId: 'NV-1', percent: 0, indicators: [], note: 'Cập nhật tiến độ' }, { reason: 'Cập nhật tiến độ' }),
    ]);
  });

  it('refuses an indicator the task does not have', () => {
    given([ASSIGNED]).when(reportProgress({ indicators: [{ code: 'ESSENTIAL_SERVICES_ONLINE', value: 3 }] }))
      .thenThrows('BAD_USER_INPUT', 'has no indicator ESSENTIAL_SERVICES_ONLINE');
  });

  it('refuses a report with neither percent nor indicators', () => {
    given([ASSIGNED]).when(reportProgress({})).thenThrows('BAD_USER_INPUT', 'report a percentage, indicator figures, or both');
  });

  it.each(['PAUSED', 'AWAITING_CONFIRMATION', 'COMPLETED', 'CANCELLED'] as const)('refuses a task that is %s (not OPEN) with CONFLICT', (phase) => {
    given(PHASES[phase]).when(reportProgress({ percent: 50 })).thenThrows('CONFLICT', 'cannot report progress');
  });

  it('refuses an unknown task with NOT_FOUND', () => {
    given().when(reportProgress({ percent: 50 })).thenThrows('NOT_FOUND', 'TASK_NOT_FOUND');
  });
});

// ── RequestDeadlineExtension ─────────────────────────────────────────────────────────────────

describe('RequestDeadlineExtension', () => {
  it('records the proposed and current deadline, with reason and basis', () => {
    const task = given([ASSIGNED])
      .when(requestExtension({ basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }] }))
      .then([EXTENSION_REQUESTED]);
    expect(task?.pendingExtension).toStrictEqual({ proposedDeadline: '2026-12-31', requestedAt: NOW });
    expect(task?.deadline).toBe('2026-11-26');
  });

  it.each([['the same as', '2026-11-26'], ['earlier than', '2026-11-25']])('refuses a proposed date %s the current deadline', (_w, date) => {
    given([ASSIGNED]).when(requestExtension({ proposedDeadline: date })).thenThrows('BAD_USER_INPUT', 'must be after the current one (2026-11-26)');
  });

  it('accepts the day after the current deadline', () => {
    given([ASSIGNED]).when(requestExtension({ proposedDeadline: '2026-11-27' })).then([ev('DeadlineExtensionRequested', {
      taskId: 'NV-1', proposedDeadline: '2026-11-27', currentDeadline: '2026-11-26',
    }, { reason: 'Chờ nâng cấp hạ tầng', basis: [] })]);
  });

  it('allows one pending request at a time', () => {
    given([ASSIGNED, EXTENSION_REQUESTED]).when(requestExtension({ proposedDeadline: '2027-01-31' }))
      .thenThrows('CONFLICT', 'already has an extension request pending (to 2026-12-31)');
  });

  it('allows a new request once the previous one is rejected', () => {
    const rejected = ev('DeadlineExtensionRejected', { taskId: 'NV-1', proposedDeadline: '2026-12-31' }, { reason: 'Không đồng ý', basis: [] });
    given([ASSIGNED, EXTENSION_REQUESTED, rejected]).when(requestExtension({ proposedDeadline: '2026-12-15' })).then([
      ev('DeadlineExtensionRequested', { taskId: 'NV-1', proposedDeadline: '2026-12-15', currentDeadline: '2026-11-26' }, {
        reason: 'Chờ nâng cấp hạ tầng', basis: [],
      }),
    ]);
  });

  it('a task without deadline may ask for one (currentDeadline null)', () => {
    given([assigned({ deadline: null })]).when(requestExtension({ proposedDeadline: '2026-01-01' })).then([
      ev('DeadlineExtensionRequested', { taskId: 'NV-1', proposedDeadline: '2026-01-01', currentDeadline: null }, {
        reason: 'Chờ nâng cấp hạ tầng', basis: [],
      }),
    ]);
  });

  it('a paused task may ask', () => {
    given(PHASES.PAUSED).when(requestExtension()).then([ev('DeadlineExtensionRequested', {
      taskId: 'NV-1', proposedDeadline: '2026-12-31', currentDeadline: '2026-11-26',
    }, { reason: 'Chờ nâng cấp hạ tầng', basis: [] })]);
  });

  it.each(['AWAITING_CONFIRMATION', 'COMPLETED', 'CANCELLED'] as const)('refuses a task that is %s', (phase) => {
    given(PHASES[phase]).when(requestExtension()).thenThrows('CONFLICT', 'cannot request an extension');
  });
});

// ── DecideDeadlineExtension ──────────────────────────────────────────────────────────────────

describe('DecideDeadlineExtension', () => {
  const because = { reason: 'Kết luận của Tổ công tác', basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }] as Basis[] };

  it('approving without a date takes the proposed one; reason and basis carried; evolve clears the request', () => {
    const task = given([ASSIGNED, EXTENSION_REQUESTED])
      .when(decideExtension({ approve: true, ...because }))
      .then([ev('DeadlineExtensionApproved', {
        taskId: 'NV-1', deadline: '2026-12-31', previousDeadline: '2026-11-26', proposedDeadline: '2026-12-31',
      }, because)]);
    expect(task?.deadline).toBe('2026-12-31');
    expect(task?.pendingExtension).toBeNull();
  });

  it('approving with a date takes that date and records what was proposed', () => {
    given([ASSIGNED, EXTENSION_REQUESTED])
      .when(decideExtension({ approve: true, deadline: '2026-12-15', ...because }))
      .then([ev('DeadlineExtensionApproved', {
        taskId: 'NV-1', deadline: '2026-12-15', previousDeadline: '2026-11-26', proposedDeadline: '2026-12-31',
      }, because)]);
  });

  it('approving with no request pending needs a date', () => {
    given([ASSIGNED]).when(decideExtension({ approve: true })).thenThrows('BAD_USER_INPUT', 'give the new deadline');
  });

  it('approving with no request pending and a date sets it (proposedDeadline null)', () => {
    given([ASSIGNED]).when(decideExtension({ approve: true, deadline: '2027-03-31' })).then([ev('DeadlineExtensionApproved', {
      taskId: 'NV-1', deadline: '2027-03-31', previousDeadline: '2026-11-26', proposedDeadline: null,
    }, { reason: 'Ý kiến của Tổ công tác', basis: [] })]);
  });

  it('refuses the deadline the task already has', () => {
    given([ASSIGNED]).when(decideExtension({ approve: true, deadline: '2026-11-26' })).thenThrows('CONFLICT', 'already has the deadline 2026-11-26');
  });

  it('rejecting with no request pending is a CONFLICT', () => {
    given([ASSIGNED]).when(decideExtension({ approve: false })).thenThrows('CONFLICT', 'no extension request to reject');
  });

  it('rejecting records the proposed date and the reason, and evolve clears the request', () => {
    const task = given([ASSIGNED, EXTENSION_REQUESTED])
      .when(decideExtension({ approve: false, reason: 'Không có căn cứ', basis: [{ kind: 'FINDING', ref: 'PH-3' }] }))
      .then([ev('DeadlineExtensionRejected', { taskId: 'NV-1', proposedDeadline: '2026-12-31' }, {
        reason: 'Không có căn cứ', basis: [{ kind: 'FINDING', ref: 'PH-3' }],
      })]);
    expect(task?.deadline).toBe('2026-11-26');
    expect(task?.pendingExtension).toBeNull();
  });

  it('may be decided while completion awaits confirmation', () => {
    given([ASSIGNED, EXTENSION_REQUESTED, COMPLETION_REPORTED]).when(decideExtension({ approve: true, ...because })).then([
      ev('DeadlineExtensionApproved', {
        taskId: 'NV-1', deadline: '2026-12-31', previousDeadline: '2026-11-26', proposedDeadline: '2026-12-31',
      }, because),
    ]);
  });

  it.each(['COMPLETED', 'CANCELLED'] as const)('refuses a task that is %s', (phase) => {
    given(PHASES[phase]).when(decideExtension({ approve: true, deadline: '2027-01-01' })).thenThrows('CONFLICT', 'cannot decide an extension');
  });

  it('refuses a blank reason at the input (every change to a deadline has a reason)', () => {
    expect(() => decideExtension({ approve: true, reason: '' })).toThrow('reason: must not be blank');
  });
});

// ── ReportCompletion ─────────────────────────────────────────────────────────────────────────

describe('ReportCompletion', () => {
  it('records the completion date, evidence as reason, and the deadline in force', () => {
    const task = given([ASSIGNED])
      .when(reportCompletion({ basis: [{ kind: 'REPORT', ref: 'BC-15' }] }))
      .then([ev('CompletionReported', {
        taskId: 'NV-1', completedOn: '2026-06-10', evidence: 'Biên bản nghiệm thu', deadlineInForce: '2026-11-26',
      }, { reason: 'Biên bản nghiệm thu', basis: [{ kind: 'REPORT', ref: 'BC-15' }] })]);
    expect(task?.phase).toBe('AWAITING_CONFIRMATION');
    expect(task?.completion).toStrictEqual({ completedOn: '2026-06-10', deadlineInForce: '2026-11-26' });
  });

  it('records the extended deadline as the one in force once an extension was approved', () => {
    const approved = ev('DeadlineExtensionApproved', {
      taskId: 'NV-1', deadline: '2026-12-31', previousDeadline: '2026-11-26', proposedDeadline: '2026-12-31',
    }, { reason: 'Đồng ý', basis: [] });
    given([ASSIGNED, EXTENSION_REQUESTED, approved]).when(reportCompletion()).then([ev('CompletionReported', {
      taskId: 'NV-1', completedOn: '2026-06-10', evidence: 'Biên bản nghiệm thu', deadlineInForce: '2026-12-31',
    }, { reason: 'Biên bản nghiệm thu', basis: [] })]);
  });

  it('records deadlineInForce null for a task without deadline', () => {
    given([assigned({ deadline: null })]).when(reportCompletion()).then([ev('CompletionReported', {
      taskId: 'NV-1', completedOn: '2026-06-10', evidence: 'Biên bản nghiệm thu', deadlineInForce: null,
    }, { reason: 'Biên bản nghiệm thu', basis: [] })]);
  });

  it('accepts today (in Vietnam) and refuses tomorrow', () => {
    given([ASSIGNED]).when(reportCompletion({ completedOn: '2026-06-15' })).then([ev('CompletionReported', {
      taskId: 'NV-1', completedOn: '2026-06-15', evidence: 'Biên bản nghiệm thu', deadlineInForce: '2026-11-26',
    }, { reason: 'Biên bản nghiệm thu', basis: [] })]);
    given([ASSIGNED]).when(reportCompletion({ completedOn: '2026-06-16' })).thenThrows('BAD_USER_INPUT', 'completedOn 2026-06-16 is in the future');
  });

  it('judges "future" by the date in Vietnam of `now`, near midnight', () => {
    // 23:59:59 on the 15th in Hà Nội: the 16th is still the future.
    given([ASSIGNED]).when(reportCompletion({ completedOn: '2026-06-16' }), { now: '2026-06-15T16:59:59.000Z' })
      .thenThrows('BAD_USER_INPUT', 'in the future');
    // 00:30 on the 16th in Hà Nội, though still the 15th in UTC: the 16th is today.
    given([ASSIGNED]).when(reportCompletion({ completedOn: '2026-06-16' }), { now: '2026-06-15T17:30:00.000Z' }).then([
      ev('CompletionReported', {
        taskId: 'NV-1', completedOn: '2026-06-16', evidence: 'Biên bản nghiệm thu', deadlineInForce: '2026-11-26',
      }, { reason: 'Biên bản nghiệm thu', basis: [] }),
    ]);
  });

  it('refuses a completion date before the source document', () => {
    given([ASSIGNED]).when(reportCompletion({ completedOn: '2022-01-05' })).thenThrows('BAD_USER_INPUT', 'before the source document');
  });

  it('may be reported from a paused task (any open state)', () => {
    given(PHASES.PAUSED).when(reportCompletion()).then([COMPLETION_REPORTED]);
  });

  it.each(['AWAITING_CONFIRMATION', 'COMPLETED', 'CANCELLED'] as const)('refuses a task that is %s', (phase) => {
    given(PHASES[phase]).when(reportCompletion()).thenThrows('CONFLICT', 'cannot report completion');
  });
});

// ── ConfirmCompletion / RejectCompletion ─────────────────────────────────────────────────────

describe('ConfirmCompletion and RejectCompletion', () => {
  it('confirming records the completion date with the default reason; evolve completes the task at 100 %', () => {
    const task = given(PHASES.AWAITING_CONFIRMATION).when(confirm()).then([CONFIRMED]);
    expect(task?.phase).toBe('COMPLETED');
    expect(task?.progress).toBe(100);
    expect(task?.completion).toStrictEqual({ completedOn: '2026-06-10', deadlineInForce: '2026-11-26' });
  });

  it('confirming keeps a given reason', () => {
    given(PHASES.AWAITING_CONFIRMATION).when(confirm({ reason: 'Đạt yêu cầu' })).then([
      ev('CompletionConfirmed', { taskId: 'NV-1', completedOn: '2026-06-10' }, { reason: 'Đạt yêu cầu' }),
    ]);
  });

  it.each([['no', {}], ['a blank', { reason: '   ' }]])('rejecting with %s reason is refused', (_w, input) => {
    given(PHASES.AWAITING_CONFIRMATION).when(reject(input)).thenThrows('BAD_USER_INPUT', 'needs a reason');
  });

  it('rejecting records the reason; evolve reopens the task and clears the completion', () => {
    const task = given(PHASES.AWAITING_CONFIRMATION).when(reject({ reason: 'Thiếu số liệu' })).then([
      ev('CompletionRejected', { taskId: 'NV-1', completedOn: '2026-06-10' }, { reason: 'Thiếu số liệu' }),
    ]);
    expect(task?.phase).toBe('OPEN');
    expect(task?.completion).toBeNull();
  });

  it.each(['OPEN', 'PAUSED', 'COMPLETED', 'CANCELLED'] as const)('confirming and rejecting a task that is %s is a CONFLICT', (phase) => {
    given(PHASES[phase]).when(confirm()).thenThrows('CONFLICT', 'cannot confirm completion');
    given(PHASES[phase]).when(reject({ reason: 'x' })).thenThrows('CONFLICT', 'cannot reject completion');
  });
});

// ── PauseTask / ResumeTask / CancelTask ──────────────────────────────────────────────────────

describe('PauseTask, ResumeTask, CancelTask', () => {
  const why = { reason: 'Theo chỉ đạo', basis: [{ kind: 'DOCUMENT', ref: '15/TB-VPCP' }] as Basis[] };
  const allowed: [TaskPhase, 'PauseTask' | 'ResumeTask' | 'CancelTask', TaskEvent['type'], TaskPhase][] = [
    ['OPEN', 'PauseTask', 'TaskPaused', 'PAUSED'],
    ['PAUSED', 'ResumeTask', 'TaskResumed', 'OPEN'],
    ['OPEN', 'CancelTask', 'TaskCancelled', 'CANCELLED'],
    ['PAUSED', 'CancelTask', 'TaskCancelled', 'CANCELLED'],
    ['AWAITING_CONFIRMATION', 'CancelTask', 'TaskCancelled', 'CANCELLED'],
  ];
  it.each(allowed)('a task that is %s: %s → %s, now %s', (phase, type, eventType, after) => {
    const task = given(PHASES[phase]).when(phaseChange(type, why)).then([ev(eventType, { taskId: 'NV-1' } as never, why)]);
    expect(task?.phase).toBe(after);
  });

  const refused: [TaskPhase, 'PauseTask' | 'ResumeTask' | 'CancelTask'][] = [
    ['PAUSED', 'PauseTask'], ['AWAITING_CONFIRMATION', 'PauseTask'], ['COMPLETED', 'PauseTask'], ['CANCELLED', 'PauseTask'],
    ['OPEN', 'ResumeTask'], ['AWAITING_CONFIRMATION', 'ResumeTask'], ['COMPLETED', 'ResumeTask'], ['CANCELLED', 'ResumeTask'],
    ['COMPLETED', 'CancelTask'], ['CANCELLED', 'CancelTask'],
  ];
  it.each(refused)('a task that is %s: %s is a CONFLICT', (phase, type) => {
    given(PHASES[phase]).when(phaseChange(type)).thenThrows('CONFLICT', 'INVALID_STATE');
  });

  it('cancelling clears a pending extension request', () => {
    const task = given([ASSIGNED, EXTENSION_REQUESTED]).when(phaseChange('CancelTask')).then([
      ev('TaskCancelled', { taskId: 'NV-1' }, { reason: 'Theo chỉ đạo', basis: [] }),
    ]);
    expect(task?.pendingExtension).toBeNull();
  });

  it('pause then resume returns to OPEN and progress may be reported again', () => {
    given([ASSIGNED, PAUSED, RESUMED]).when(reportProgress({ percent: 10 })).then([
      ev('ProgressReported', { taskId: 'NV-1', percent: 10, indicators: [], note: 'Cập nhật tiến độ' }, { reason: 'Cập nhật tiến độ' }),
    ]);
  });
});

describe('every command on a task that does not exist', () => {
  const commands: [string, TaskCommand][] = [
    ['DelegateTask', delegate({ to: [{ leadUnitId: '01' }] })],
    ['ReassignTask', reassign({ leadUnitId: '01' })],
    ['ReportProgress', reportProgress({ percent: 1 })],
    ['RequestDeadlineExtension', requestExtension()],
    ['DecideDeadlineExtension', decideExtension({ approve: true, deadline: '2027-01-01' })],
    ['ReportCompletion', reportCompletion()],
    ['ConfirmCompletion', confirm()],
    ['RejectCompletion', reject({ reason: 'x' })],
    ['PauseTask', phaseChange('PauseTask')],
    ['ResumeTask', phaseChange('ResumeTask')],
    ['CancelTask', phaseChange('CancelTask')],
  ];
  it.each(commands)('%s is NOT_FOUND', (_name, command) => {
    const error = given().when(command).thenThrows('NOT_FOUND', 'TASK_NOT_FOUND');
    expect(error.message).toBe('task NV-1 not found');
  });
});

describe('given events at their own instants', () => {
  it('evolve stamps assignedAt, updatedAt and requestedAt from the event instants', () => {
    const { state } = given([at('2026-01-05T02:00:00.000Z', ASSIGNED), at('2026-03-01T09:00:00.000Z', EXTENSION_REQUESTED)]);
    expect(state?.assignedAt).toBe('2026-01-05T02:00:00.000Z');
    expect(state?.updatedAt).toBe('2026-03-01T09:00:00.000Z');
    expect(state?.pendingExtension).toStrictEqual({ proposedDeadline: '2026-12-31', requestedAt: '2026-03-01T09:00:00.000Z' });
  });
});
