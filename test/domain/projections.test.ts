import { describe, expect, it } from 'vitest';
import { diffTasks, type HistoryEntry, historyEntry } from '../../projections/history.js';
import { compareViews, indicatorTotals, Rollup, summarize, tasksInScope } from '../../projections/queries.js';
import { foldText } from '../../projections/text.js';
import { parse } from '../../src/app/parse.js';
import { decode, type DomainEnvelope, encode } from '../../src/events.js';
import { type Applied, Views } from '../../src/runner/views.js';
import { uuidFromName } from '../../src/shared/ids.js';
import type { Actor, Basis, Decided } from '../../src/shared/schemas.js';
import * as C from '../../src/tasks/commands.js';
import { decideTask, delegatedTasks } from '../../src/tasks/decide.js';
import type { TaskEvent } from '../../src/tasks/events.js';
import type { UnitKind } from '../../src/units/events.js';

type TaskCommand = Parameters<typeof decideTask>[0];

const GOV_LEADER: Actor = { id: 'u-gov', role: 'leader', unit: 'GOV' };
const HANOI_FOCAL: Actor = { id: 'u-hn', role: 'focal_point', unit: '01' };
const ADMIN: Actor = { id: 'u-admin', role: 'admin', unit: 'GOV' };
const SOURCE = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const DOC: Basis = { kind: 'DOCUMENT', ref: '06/QĐ-TTg' };
const VNEID = { code: 'VNEID_L2_ACTIVATED', name: 'Tài khoản VNeID mức 2', unitOfMeasure: 'tài khoản', target: 1000 };
const CLEANED = { code: 'POP_DATA_CLEANED', name: 'Dữ liệu dân cư được làm sạch', unitOfMeasure: 'triệu bản ghi', target: null };

/**
 * Builds envelopes by hand as the store would hand them back: `encode` makes the stored form
 * (metadata included), `decode` validates it into an envelope; the Views apply each one.
 */
class World {
  readonly views = new Views();
  readonly log: DomainEnvelope[] = [];
  private readonly revisions = new Map<string, number>();
  private n = 0;

  record(stream: string, event: Decided, at: string, who: Actor): { envelope: DomainEnvelope; applied: Applied } {
    this.n += 1;
    const stored = encode(event, { actor: who, occurredAt: at, correlationId: `corr-${this.n}`, causationId: null }, uuidFromName(`evt-${this.n}`));
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.revisions.set(stream, revision);
    const envelope = decode({
      id: stored.id, stream, revision, position: String(this.n).padStart(8, '0'), type: stored.type, data: stored.data,
      metadata: stored.metadata, recordedAt: at,
    });
    this.log.push(envelope);
    return { envelope, applied: this.views.apply(envelope) };
  }

  unit(id: string, kind: UnitKind, name: string, parentId: string | null, at = '2025-07-01T00:00:00.000Z') {
    return this.record(`unit-${id}`, { type: 'UnitRegistered', data: { unitId: id, kind, name, parentId }, reason: `Đăng ký đơn vị ${name}` }, at, ADMIN);
  }

  /** Decides against the task view, records the events (and, for a delegation, the children's first events). */
  task(taskId: string, command: TaskCommand, at: string, who: Actor = GOV_LEADER): Applied[] {
    const before = this.views.tasks.get(taskId) ?? null;
    const events = decideTask(command, before, { now: at, units: this.views });
    const applied = events.map((e) => this.record(`task-${taskId}`, e, at, who).applied);
    for (const e of events) {
      if (e.type !== 'TaskDelegated') continue;
      for (const child of delegatedTasks(before!, e as Extract<TaskEvent, { type: 'TaskDelegated' }>)) {
        applied.push(this.record(`task-${child.data.taskId}`, child, at, who).applied);
      }
    }
    return applied;
  }

  /** The read model "as of" an instant: the same Views, fed the same envelopes up to it. */
  asOf(instant: string): Views {
    const views = new Views();
    for (const e of this.log) if (e.meta.occurredAt <= instant) views.apply(e);
    return views;
  }
}

const assign = (input: Record<string, unknown>): TaskCommand => ({
  type: 'AssignTask',
  data: parse(C.AssignTask, { title: 'Nhiệm vụ', source: SOURCE, deadline: '2026-11-26', ...input }),
});
const delegate = (taskId: string, to: unknown[]): TaskCommand => ({ type: 'DelegateTask', data: parse(C.DelegateTask, { taskId, to }) });
const progress = (taskId: string, input: Record<string, unknown>): TaskCommand => ({
  type: 'ReportProgress', data: parse(C.ReportProgress, { taskId, note: 'Cập nhật', ...input }),
});
const command = <T extends TaskCommand['type']>(type: T, data: Record<string, unknown>, schema: { parse: (x: unknown) => unknown }) =>
  ({ type, data: parse(schema as never, data) }) as TaskCommand;

function withUnits(): World {
  const w = new World();
  w.unit('GOV', 'GOVERNMENT', 'Chính phủ', null);
  w.unit('BCA', 'MINISTRY', 'Bộ Công an', 'GOV');
  w.unit('01', 'PROVINCE', 'Thành phố Hà Nội', 'GOV');
  w.unit('00004', 'COMMUNE', 'Phường Ba Đình', '01');
  w.unit('00070', 'COMMUNE', 'Phường Hoàn Kiếm', '01');
  w.unit('48', 'PROVINCE', 'Thành phố Đà Nẵng', 'GOV');
  return w;
}

describe('Views over hand-built envelopes', () => {
  it('index units as a tree (isWithin, subtree)', () => {
    const w = withUnits();
    expect(w.views.isWithin('00004', '01')).toBe(true);
    expect(w.views.isWithin('00004', 'GOV')).toBe(true);
    expect(w.views.isWithin('01', '00004')).toBe(false);
    expect(w.views.isWithin('48', '01')).toBe(false);
    expect(w.views.subtree('01').sort()).toStrictEqual(['00004', '00070', '01']);
    expect(w.views.position).toBe('00000006');
  });

  it('keep a renamed unit\'s previous names', () => {
    const w = withUnits();
    w.record('unit-48', { type: 'UnitRenamed', data: { unitId: '48', name: 'TP Đà Nẵng', previousName: 'Thành phố Đà Nẵng' }, reason: 'x' },
      '2025-08-01T00:00:00.000Z', ADMIN);
    expect(w.views.get('48')).toMatchObject({ id: '48', kind: 'PROVINCE', name: 'TP Đà Nẵng', parentId: 'GOV', previousNames: ['Thành phố Đà Nẵng'] });
  });
});

describe('history', () => {
  const T0 = '2026-01-05T02:00:00.000Z';
  const T1 = '2026-11-20T02:00:00.000Z';
  const T2 = '2026-11-24T08:30:00.000Z';

  function extended() {
    const w = withUnits();
    const [assigned] = w.task('NV-1', assign({ id: 'NV-1', leadUnitId: '01' }), T0);
    const [requested] = w.task('NV-1', command('RequestDeadlineExtension', {
      taskId: 'NV-1', proposedDeadline: '2026-12-31', reason: 'Chờ nâng cấp hạ tầng', basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }],
    }, C.RequestDeadlineExtension), T1, HANOI_FOCAL);
    const [approved] = w.task('NV-1', command('DecideDeadlineExtension', {
      taskId: 'NV-1', approve: true, reason: 'Đồng ý theo đề nghị', basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }, { kind: 'DOCUMENT', ref: '88/TB-VPCP' }],
    }, C.DecideDeadlineExtension), T2);
    return { w, assigned: assigned!, requested: requested!, approved: approved! };
  }

  it('an approved extension is one change of the deadline, from → to, with actor, reason and basis', () => {
    const { approved } = extended();
    expect(approved.history).toStrictEqual<HistoryEntry>({
      taskId: 'NV-1', position: '00000009', revision: 2, at: T2, recordedAt: T2, kind: 'DeadlineExtensionApproved',
      actor: GOV_LEADER,
      changes: [{ field: 'deadline', from: '2026-11-26', to: '2026-12-31' }],
      reason: 'Đồng ý theo đề nghị',
      basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }, { kind: 'DOCUMENT', ref: '88/TB-VPCP' }],
      leadUnitIds: ['01'],
      commitment: true,
    });
    expect(approved.task?.before?.deadline).toBe('2026-11-26');
    expect(approved.task?.after.deadline).toBe('2026-12-31');
    expect(approved.task?.after.version).toBe(2);
  });

  it('the request itself changes no field and is not a commitment change, but keeps its reason and basis', () => {
    const { w, requested } = extended();
    // The views keep the entries of commitment events only; a task's history folds its stream with historyEntry.
    expect(requested.history).toBeUndefined();
    const event = w.log.find((e) => e.type === 'DeadlineExtensionRequested')!;
    expect(historyEntry(requested.task!.before, requested.task!.after, event)).toMatchObject({
      kind: 'DeadlineExtensionRequested', actor: HANOI_FOCAL, changes: [], commitment: false,
      reason: 'Chờ nâng cấp hạ tầng', basis: [{ kind: 'OBSTACLE', ref: 'KK-1' }],
    });
    expect(requested.task?.after.pendingExtension).toStrictEqual({ proposedDeadline: '2026-12-31', requestedAt: T1 });
  });

  it('the assignment changes every field from null, with the source document as basis', () => {
    const { assigned } = extended();
    expect(assigned.history?.changes).toStrictEqual([
      { field: 'title', from: null, to: 'Nhiệm vụ' },
      { field: 'lead', from: null, to: '01' },
      { field: 'deadline', from: null, to: '2026-11-26' },
      { field: 'confidential', from: null, to: 'false' },
      { field: 'phase', from: null, to: 'OPEN' },
    ]);
    expect(assigned.history?.basis).toStrictEqual([DOC]);
    expect(assigned.history?.commitment).toBe(true);
    expect(assigned.task?.after.basis).toStrictEqual([DOC]);
  });

  it('a reassignment names both lead units', () => {
    const { w } = extended();
    const [reassigned] = w.task('NV-1', command('ReassignTask', { taskId: 'NV-1', leadUnitId: '48', reason: 'Điều chỉnh' }, C.ReassignTask),
      '2026-11-25T00:00:00.000Z');
    expect(reassigned?.history?.changes).toStrictEqual([{ field: 'lead', from: '01', to: '48' }]);
    expect(reassigned?.history?.leadUnitIds).toStrictEqual(['01', '48']);
    expect(w.views.tasksByLead.get('01')?.has('NV-1')).toBe(false);
    expect(w.views.tasksByLead.get('48')?.has('NV-1')).toBe(true);
  });

  it('diffTasks of a task with itself is empty', () => {
    const { w } = extended();
    const task = w.views.tasks.get('NV-1')!;
    expect(diffTasks(task, task)).toStrictEqual([]);
  });
});

describe('Rollup and indicatorTotals', () => {
  const T0 = '2026-01-05T02:00:00.000Z';
  const T1 = '2026-03-01T02:00:00.000Z';
  const T2 = '2026-04-01T02:00:00.000Z';

  /** NV-2 (BCA) → NV-2/01 (→ NV-2/01/00004, NV-2/01/00070) and NV-2/48. */
  function tree() {
    const w = withUnits();
    w.task('NV-2', assign({ id: 'NV-2', leadUnitId: 'BCA', indicators: [VNEID, CLEANED] }), T0);
    w.task('NV-2', delegate('NV-2', [
      { leadUnitId: '01', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 600 }] },
      { leadUnitId: '48', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 400 }] },
    ]), T0);
    w.task('NV-2/01', delegate('NV-2/01', [
      { leadUnitId: '00004', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 60 }] },
      { leadUnitId: '00070', targets: [{ code: 'VNEID_L2_ACTIVATED', value: 40 }] },
    ]), T0);
    w.task('NV-2/01/00004', progress('NV-2/01/00004', { percent: 20, indicators: [{ code: 'VNEID_L2_ACTIVATED', value: 100 }, { code: 'POP_DATA_CLEANED', value: 0.1 }] }), T1);
    w.task('NV-2/01/00070', progress('NV-2/01/00070', { percent: 80, indicators: [{ code: 'VNEID_L2_ACTIVATED', value: 50 }, { code: 'POP_DATA_CLEANED', value: 0.2 }] }), T1);
    w.task('NV-2/48', progress('NV-2/48', { percent: 60, indicators: [{ code: 'VNEID_L2_ACTIVATED', value: 100 }] }), T1);
    return w;
  }
  /** A rolled-up figure of a SUM indicator; actualAt: the newest report behind it (the tree's leaves report at T1). */
  const figure = (i: typeof VNEID | typeof CLEANED, target: number | null, actual: number | null, actualAt = actual === null ? null : T1) =>
    ({ code: i.code, name: i.name, unitOfMeasure: i.unitOfMeasure, rollup: 'SUM', target, actual, actualAt });

  it('sums children\'s actuals into the parent and averages their progress, level by level', () => {
    const w = tree();
    const rollup = new Rollup(w.views);
    expect(rollup.of(w.views.tasks.get('NV-2/01')!)).toStrictEqual({
      progress: 50,
      indicators: [figure(VNEID, 600, 150), figure(CLEANED, null, 0.3)], // 0.1 + 0.2 without binary noise
    });
    expect(rollup.of(w.views.tasks.get('NV-2')!)).toStrictEqual({
      progress: 55, // (50 + 60) / 2: the average of the children's roll-ups, not of the leaves
      indicators: [figure(VNEID, 1000, 250), figure(CLEANED, null, 0.3)],
    });
  });

  it('a confirmed child counts 100 %, a cancelled child not at all', () => {
    const w = tree();
    const T3 = '2026-05-01T02:00:00.000Z';
    w.task('NV-2/01/00004', command('ReportCompletion', { taskId: 'NV-2/01/00004', completedOn: '2026-04-30', evidence: 'Xong' }, C.ReportCompletion), T3);
    w.task('NV-2/01/00004', command('ConfirmCompletion', { taskId: 'NV-2/01/00004' }, C.DecideCompletion), T3);
    expect(new Rollup(w.views).of(w.views.tasks.get('NV-2/01')!).progress).toBe(90); // (100 + 80) / 2
    w.task('NV-2/01/00070', command('CancelTask', { taskId: 'NV-2/01/00070', reason: 'Thu hồi' }, C.ChangeTaskPhase), T3);
    expect(new Rollup(w.views).of(w.views.tasks.get('NV-2/01')!)).toStrictEqual({
      progress: 100, indicators: [figure(VNEID, 600, 100), figure(CLEANED, null, 0.1)],
    });
  });

  it('a task without children rolls up to its own figures', () => {
    const w = tree();
    expect(new Rollup(w.views).of(w.views.tasks.get('NV-2/48')!)).toStrictEqual({
      progress: 60, indicators: [figure(VNEID, 400, 100), figure(CLEANED, null, null)],
    });
  });

  it('indicatorTotals counts a parent and its children once', () => {
    const w = tree();
    const all = [...w.views.tasks.values()];
    expect(all).toHaveLength(5);
    // every task in scope: only the root counts, rolled up (a naive sum would give 250 + 150 + 100 + 100 + 50)
    expect(indicatorTotals(w.views, all)).toStrictEqual([figure(CLEANED, null, 0.3), figure(VNEID, 1000, 250)]);
    // Hà Nội's scope: its task and its communes' tasks, counted once through NV-2/01
    const hanoi = tasksInScope(w.views, '01');
    expect(hanoi.map((t) => t.id).sort()).toStrictEqual(['NV-2/01', 'NV-2/01/00004', 'NV-2/01/00070']);
    expect(indicatorTotals(w.views, hanoi)).toStrictEqual([figure(CLEANED, null, 0.3), figure(VNEID, 600, 150)]);
    // two siblings without their parent: both count
    const communes = ['NV-2/01/00004', 'NV-2/01/00070'].map((id) => w.views.tasks.get(id)!);
    expect(indicatorTotals(w.views, communes)).toStrictEqual([figure(CLEANED, null, 0.3), figure(VNEID, 100, 150)]);
  });

  it('an asOf replay of the same envelopes rolls up what was known then', () => {
    const w = tree();
    w.task('NV-2/48', progress('NV-2/48', { percent: 90, indicators: [{ code: 'VNEID_L2_ACTIVATED', value: 380 }] }), T2);
    const then = w.asOf(T1);
    expect(new Rollup(then).of(then.tasks.get('NV-2')!).indicators[0]).toStrictEqual(figure(VNEID, 1000, 250));
    expect(new Rollup(w.views).of(w.views.tasks.get('NV-2')!).indicators[0]).toStrictEqual(figure(VNEID, 1000, 530, T2));
  });
});

describe('roll-up kinds: how an indicator\'s figures combine up the tree and across a scope', () => {
  const T0 = '2026-01-05T02:00:00.000Z';
  const T1 = '2026-03-01T02:00:00.000Z';
  const T2 = '2026-04-01T02:00:00.000Z';
  const RATE = { code: 'ONLINE_RATE', name: 'Tỷ lệ hồ sơ trực tuyến toàn trình', unitOfMeasure: '%', target: null };

  /**
   * NV-3 (BCA, no target of its own) → NV-3/01 (target 80) → communes 00004 (target 90, reports 90 at T1)
   * and 00070 (target 70, reports 50 at T2, the newest); NV-3/48 (target 60, reports 40 at T1).
   */
  function tree(rollup?: string) {
    const w = withUnits();
    w.task('NV-3', assign({ id: 'NV-3', leadUnitId: 'BCA', indicators: [{ ...RATE, ...(rollup ? { rollup } : {}) }] }), T0);
    w.task('NV-3', delegate('NV-3', [
      { leadUnitId: '01', targets: [{ code: RATE.code, value: 80 }] },
      { leadUnitId: '48', targets: [{ code: RATE.code, value: 60 }] },
    ]), T0);
    w.task('NV-3/01', delegate('NV-3/01', [
      { leadUnitId: '00004', targets: [{ code: RATE.code, value: 90 }] },
      { leadUnitId: '00070', targets: [{ code: RATE.code, value: 70 }] },
    ]), T0);
    w.task('NV-3/01/00004', progress('NV-3/01/00004', { indicators: [{ code: RATE.code, value: 90 }] }), T1);
    w.task('NV-3/01/00070', progress('NV-3/01/00070', { indicators: [{ code: RATE.code, value: 50 }] }), T2);
    w.task('NV-3/48', progress('NV-3/48', { indicators: [{ code: RATE.code, value: 40 }] }), T1);
    return w;
  }
  const rate = (rollup: string, target: number | null, actual: number | null, actualAt: string | null) =>
    ({ ...RATE, rollup, target, actual, actualAt });

  it.each([
    // kind, declared as, Hà Nội's task (own target 80), the root (no target: its children's, combined), the two communes alone
    ['SUM', undefined, rate('SUM', 80, 140, T2), rate('SUM', 140, 180, T2), rate('SUM', 160, 140, T2)],
    ['SUM', 'SUM', rate('SUM', 80, 140, T2), rate('SUM', 140, 180, T2), rate('SUM', 160, 140, T2)],
    ['AVERAGE', 'AVERAGE', rate('AVERAGE', 80, 70, T2), rate('AVERAGE', 70, 55, T2), rate('AVERAGE', 80, 70, T2)],
    ['MAX', 'MAX', rate('MAX', 80, 90, T2), rate('MAX', 80, 90, T2), rate('MAX', 90, 90, T2)],
    ['LATEST', 'LATEST', rate('LATEST', 80, 50, T2), rate('LATEST', 80, 50, T2), rate('LATEST', 90, 50, T2)],
  ])('%s (declared %s): the tree and indicatorTotals combine by it', (_kind, declared, hanoi, root, communes) => {
    const w = tree(declared);
    const rollup = new Rollup(w.views);
    expect(w.views.tasks.get('NV-3/01/00070')!.indicators[0]!.rollup).toBe(declared); // delegated tasks inherit the declaration
    expect(rollup.of(w.views.tasks.get('NV-3/01')!).indicators).toStrictEqual([hanoi]);
    expect(rollup.of(w.views.tasks.get('NV-3')!).indicators).toStrictEqual([root]);
    expect(indicatorTotals(w.views, [...w.views.tasks.values()])).toStrictEqual([root]);
    expect(indicatorTotals(w.views, tasksInScope(w.views, '01'))).toStrictEqual([hanoi]);
    const twoCommunes = ['NV-3/01/00004', 'NV-3/01/00070'].map((id) => w.views.tasks.get(id)!);
    expect(indicatorTotals(w.views, twoCommunes)).toStrictEqual([communes]);
  });

  it('LATEST follows the newest report wherever it is in the tree, and before any report there is none', () => {
    const w = tree('LATEST');
    const T3 = '2026-05-01T02:00:00.000Z';
    w.task('NV-3/48', progress('NV-3/48', { indicators: [{ code: RATE.code, value: 65 }] }), T3);
    expect(new Rollup(w.views).of(w.views.tasks.get('NV-3')!).indicators).toStrictEqual([rate('LATEST', 80, 65, T3)]);
    const before = w.asOf(T0);
    expect(new Rollup(before).of(before.tasks.get('NV-3')!).indicators).toStrictEqual([rate('LATEST', 80, null, null)]);
  });

  it('AVERAGE leaves out the children that have not reported instead of counting them as zero', () => {
    const w = tree('AVERAGE');
    const then = w.asOf(T1); // 00070 has not reported yet
    expect(new Rollup(then).of(then.tasks.get('NV-3/01')!).indicators).toStrictEqual([rate('AVERAGE', 80, 90, T1)]);
  });
});

describe('summarize', () => {
  it('counts statuses at an instant and the on-time rate of completed tasks', () => {
    const w = withUnits();
    const T0 = '2026-01-05T02:00:00.000Z';
    w.task('A', assign({ id: 'A', leadUnitId: '01', deadline: '2026-06-30' }), T0);
    w.task('B', assign({ id: 'B', leadUnitId: '01', deadline: '2026-12-31' }), T0);
    w.task('C', assign({ id: 'C', leadUnitId: '01', deadline: '2026-03-31' }), T0);
    w.task('D', assign({ id: 'D', leadUnitId: '01', deadline: null }), T0);
    w.task('C', command('ReportCompletion', { taskId: 'C', completedOn: '2026-04-02', evidence: 'x' }, C.ReportCompletion), '2026-04-03T00:00:00.000Z');
    w.task('C', command('ConfirmCompletion', { taskId: 'C' }, C.DecideCompletion), '2026-04-03T00:00:00.000Z');
    const s = summarize([...w.views.tasks.values()], { at: '2026-07-01T00:00:00.000Z', dueSoonDays: 7 });
    expect(s.totalTasks).toBe(4);
    expect(Object.fromEntries(s.byStatus.filter((b) => b.count > 0).map((b) => [b.status, b.count]))).toStrictEqual({
      COMPLETED_LATE: 1, IN_PROGRESS_ON_TIME: 1, OVERDUE: 1, NO_DEADLINE: 1,
    });
    expect(s.onTimeRate).toBe(0);
    expect(s.overdue.map((t) => t.id)).toStrictEqual(['A']);
  });
});

describe('foldText', () => {
  it.each([
    ['Hà Nội', 'ha noi'],
    ['ha noi', 'ha noi'],
    ['HÀ NỘI', 'ha noi'],
    ['Đà Nẵng', 'da nang'],
    ['đường', 'duong'],
    ['  Thành phố   Hồ Chí Minh ', 'thanh pho ho chi minh'],
    ['Ha\u0300 No\u0323\u0302i', 'ha noi'], // decomposed (NFD) input folds the same
  ])('%j → %j', (input, folded) => {
    expect(foldText(input)).toBe(folded);
  });

  it('"ha noi" and "Hà Nội" fold to the same text; "Đà Nẵng" does not match "Hà Nội"', () => {
    expect(foldText('Hà Nội')).toBe(foldText('ha noi'));
    expect(foldText('Đà Nẵng')).not.toBe(foldText('Hà Nội'));
  });
});

describe('compareViews', () => {
  const T0 = '2026-01-05T02:00:00.000Z';
  const BASELINE = '2026-02-01T00:00:00.000Z';
  const T1 = '2026-03-01T02:00:00.000Z';

  function history() {
    const w = withUnits();
    w.task('A', assign({ id: 'A', leadUnitId: '01', title: 'Nhiệm vụ A' }), T0);
    w.task('B', assign({ id: 'B', leadUnitId: '01', title: 'Nhiệm vụ B' }), T0);
    w.task('E', assign({ id: 'E', leadUnitId: '00004', title: 'Nhiệm vụ E' }), T0);
    w.task('F', assign({ id: 'F', leadUnitId: '48', title: 'Nhiệm vụ F' }), T0);
    w.task('G', assign({ id: 'G', leadUnitId: '00070', title: 'Nhiệm vụ G' }), T0);
    // after the baseline
    w.task('B', command('CancelTask', { taskId: 'B', reason: 'Thu hồi' }, C.ChangeTaskPhase), T1);
    w.task('C', assign({ id: 'C', leadUnitId: '00004', title: 'Nhiệm vụ C' }), T1);
    w.task('A', command('DecideDeadlineExtension', { taskId: 'A', approve: true, deadline: '2026-12-31', reason: 'Gia hạn' }, C.DecideDeadlineExtension), T1);
    w.task('E', command('ReassignTask', { taskId: 'E', leadUnitId: '48', reason: 'Điều chỉnh' }, C.ReassignTask), T1);
    w.task('F', command('DecideDeadlineExtension', { taskId: 'F', approve: true, deadline: '2026-12-31', reason: 'Gia hạn' }, C.DecideDeadlineExtension), T1);
    w.task('G', progress('G', { percent: 35 }), T1);
    return w;
  }

  it('finds the tasks added, removed (cancelled or moved out) and changed in a unit\'s scope', () => {
    const w = history();
    const cmp = compareViews(w.asOf(BASELINE), w.views, '01', () => true);
    expect(cmp.added.map((t) => t.id)).toStrictEqual(['C']);
    expect(cmp.removed.map((t) => [t.id, t.phase, t.leadUnitId])).toStrictEqual([['B', 'CANCELLED', '01'], ['E', 'OPEN', '48']]);
    expect(cmp.changed.map((c) => [c.task.id, c.changes])).toStrictEqual([
      ['A', [{ field: 'deadline', from: '2026-11-26', to: '2026-12-31' }]],
      ['G', [{ field: 'progress', from: null, to: '35' }]],
    ]);
  });

  it('is empty between two identical instants, and respects visibility', () => {
    const w = history();
    expect(compareViews(w.views, w.views, '01', () => true)).toStrictEqual({ added: [], removed: [], changed: [] });
    const hidden = compareViews(w.asOf(BASELINE), w.views, '01', (t) => t.id !== 'C' && t.id !== 'A');
    expect(hidden.added).toStrictEqual([]);
    expect(hidden.changed.map((c) => c.task.id)).toStrictEqual(['G']);
  });
});
