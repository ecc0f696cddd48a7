import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app/app.js';
import type { CommandContext } from '../../src/app/run-command.js';
import { loadConfig } from '../../src/config.js';
import { TiendoError } from '../../src/errors.js';
import { defaultDueRules } from '../../src/periods/index.js';
import { REMINDER_KINDS } from '../../src/reminders/events.js';
import { PAUSE, ReminderIds, lastElapsedPeriod, planReminders, reminderId, reminderPlans } from '../../src/reminders/plan.js';
import { ReminderScheduler, type RunStats } from '../../src/reminders/scheduler.js';
import type { Views } from '../../src/runner/views.js';
import type { Actor } from '../../src/shared/schemas.js';

/**
 * Reminders (issue 10) with two schedulers — two replicas, each with its own store connection
 * and read model — running at the same moment against one real SQLite event file, with an
 * injected clock: every reminder is recorded exactly once.
 */
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const admin: Actor = { id: 'admin', role: 'admin', unit: 'GOV' };
const leader: Actor = { id: 'leader', role: 'leader', unit: 'GOV' };
const inspector: Actor = { id: 'inspector', role: 'inspector', unit: 'TTCP' };
const focal01: Actor = { id: 'focal-01', role: 'focal_point', unit: '01' };
const focalBCA: Actor = { id: 'focal-bca', role: 'focal_point', unit: 'BCA' };

let dir: string;
let a: App;
let b: App;
let now = '2026-05-10T02:00:00.000Z'; // 09:00 on 10 May 2026 in Hà Nội
const clock = () => now;
const ctx = (actor: Actor, extra: Partial<CommandContext> = {}): CommandContext => ({ actor, now, correlationId: 'test', ...extra });

function scheduler(app: App) {
  return new ReminderScheduler({ store: app.store, views: () => app.runner.views, clock, dueRules: defaultDueRules, reportKinds: ['MONTHLY'] });
}

/** Both read models at the store's head (the second one polls the file the first one appends to). */
async function settle() {
  const [head] = await a.store.readAll({ direction: 'backwards', maxCount: 1 });
  await Promise.all([a.runner.waitFor(head!.position), b.runner.waitFor(head!.position)]);
}

/** A task's history is its stream, folded when asked: a recorded reminder is in it at once. */
async function historyKinds(app: App, taskId: string) {
  return (await app.runner.history(taskId, { first: 50 })).entries;
}

const reminderEvents = async () => (await a.store.readAll()).filter((e) => (REMINDER_KINDS as readonly string[]).includes(e.type));
const sum = (x: RunStats, y: RunStats) => ({ planned: x.planned + y.planned, recorded: x.recorded + y.recorded, duplicate: x.duplicate + y.duplicate, failed: x.failed + y.failed });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tiendo-reminders-'));
  const config = loadConfig({ TIENDO_DATA: dir, TIENDO_AUTH_SECRET: 'reminders-test-secret-0123456789-abcdef', TIENDO_DEMO: '0' });
  a = await createApp(config, undefined, { viewsFile: join(dir, 'views-a.db') });
  b = await createApp(config, undefined, { viewsFile: join(dir, 'views-b.db') });
  a.runner.start();
  b.runner.start();
  await Promise.all([a.runner.ready, b.runner.ready]);

  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['TTCP', 'AGENCY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV']] as const) {
    const r = await a.units.register({ id, kind, name: `Đơn vị ${id}`, parentId: parentId ?? undefined }, ctx(admin));
    await a.runner.waitFor(r.position);
  }
  const assign = async (id: string, deadline: string | undefined, lead = 'BCA') => {
    const r = await a.tasks.assign({ id, title: `Nhiệm vụ ${id}`, source, leadUnitId: lead, ...(deadline ? { deadline } : {}) }, ctx(leader));
    await a.runner.waitFor(r.position);
  };
  await assign('T5', '2026-05-15'); // 5 days left: the 7-day reminder
  await assign('T1', '2026-05-11'); // 1 day left: the 1-day reminder
  await assign('TX', '2026-05-09'); // recorded after the fact, already overdue
  await assign('TD', '2026-05-30'); // 20 days: nothing yet
  await assign('TN', undefined); // no deadline (thường xuyên): never
  await assign('TC', '2026-05-09');
  await a.runner.waitFor((await a.tasks.cancel({ taskId: 'TC', reason: 'Không còn cần thiết' }, ctx(leader))).position);

  await a.runner.waitFor((await a.inspections.plan({ id: 'KT1', title: 'Kiểm tra Đề án 06', targetUnitIds: ['01'], from: '2026-04-01', to: '2026-04-30' }, ctx(inspector))).position);
  const finding = (findingId: string, dueDate: string) => a.inspections.recordFinding({
    inspectionId: 'KT1', findingId, unitId: '01', severity: 'HIGH', description: 'Dữ liệu chưa đúng, đủ, sạch, sống', recommendation: 'Rà soát lại', dueDate,
  }, ctx(inspector));
  await a.runner.waitFor((await finding('PH1', '2026-05-01')).position);
  await a.runner.waitFor((await finding('PH2', '2026-06-01')).position);

  // Province 01 reported for the last monthly period already due; 79 did not.
  const { period } = lastElapsedPeriod('MONTHLY', '2026-05-10', defaultDueRules);
  expect(period.key).toBe('2026-04');
  await a.runner.waitFor((await a.reports.submit({ unitId: '01', period: { kind: 'MONTHLY', key: '2026-04' }, narrative: 'Báo cáo tháng 4' }, ctx(focal01))).position);
  await settle();
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the reminder scheduler, two replicas at once', () => {
  it('records each due reminder exactly once, whichever replica wins', async () => {
    const [ra, rb] = await Promise.all([scheduler(a).runOnce(), scheduler(b).runOnce()]);
    // Both planned all five (neither saw the other's writes yet), so both tried: the store kept one of each.
    expect(ra.planned).toBe(5);
    expect(rb.planned).toBe(5);
    expect(sum(ra, rb)).toEqual({ planned: 10, recorded: 5, duplicate: 5, failed: 0 });

    const events = await reminderEvents();
    expect(events.map((e) => `${e.type} ${e.stream}`).sort()).toEqual([
      'DeadlineApproaching task-T1', 'DeadlineApproaching task-T5', 'FindingBecameOverdue inspection-KT1',
      'PeriodicReportMissed reminders-79', 'TaskBecameOverdue task-TX',
    ]);
    expect(events.find((e) => e.stream === 'task-T5')!.data).toEqual({ taskId: 'T5', deadline: '2026-05-15', daysBefore: 7 });
    expect(events.find((e) => e.stream === 'task-T1')!.data).toEqual({ taskId: 'T1', deadline: '2026-05-11', daysBefore: 1 });
    expect(events.find((e) => e.stream === 'reminders-79')!.data).toEqual({ unitId: '79', periodKind: 'MONTHLY', periodKey: '2026-04', dueDate: '2026-04-17' });
    // The id is the deterministic one every replica computes.
    expect(events.find((e) => e.stream === 'task-TX')!.id).toBe(reminderId('TaskBecameOverdue', 'task:TX', '2026-05-09'));
  });

  it('shows them in task history (no field changes) and as notifications in both read models', async () => {
    await settle();
    for (const app of [a, b]) {
      expect(app.runner.views.notifications.size).toBe(5);
      const history = await historyKinds(app, 'T5');
      expect(history.map((h) => h.kind)).toEqual(['TaskAssigned', 'DeadlineApproaching']);
      expect(history[1]).toMatchObject({ changes: [], commitment: false, actor: { id: 'tiendo-reminders' } });
      const n = [...app.runner.views.notifications.values()].find((x) => x.taskId === 'T5')!;
      expect(n).toMatchObject({ kind: 'DeadlineApproaching', unitId: 'BCA', dueDate: '2026-05-15', daysBefore: 7 });
      const finding = [...app.runner.views.notifications.values()].find((x) => x.kind === 'FindingBecameOverdue')!;
      expect(finding).toMatchObject({ unitId: '01', inspectionId: 'KT1', findingId: 'PH1', dueDate: '2026-05-01' });
    }
    // A reminder is a notice: the task is as it was (its updatedAt too), only its version moved on.
    const t5 = a.runner.views.tasks.get('T5')!;
    expect(t5.version).toBe(1);
    expect(t5.updatedAt).toBe(t5.assignedAt);
  });

  it('plans nothing more the same day, and the next thresholds once as days pass', async () => {
    const again = await Promise.all([scheduler(a).runOnce(), scheduler(b).runOnce()]);
    expect(again.map((r) => r.planned)).toEqual([0, 0]);

    now = '2026-05-13T02:00:00.000Z'; // T5: 2 days left (the 3-day reminder); T1: overdue since yesterday
    const [ra, rb] = await Promise.all([scheduler(a).runOnce(), scheduler(b).runOnce()]);
    expect(sum(ra, rb)).toEqual({ planned: 4, recorded: 2, duplicate: 2, failed: 0 });
    const events = await reminderEvents();
    expect(events).toHaveLength(7);
    expect(events.filter((e) => e.stream === 'task-T5').map((e) => (e.data as { daysBefore: number }).daysBefore)).toEqual([7, 3]);
    expect(events.filter((e) => e.stream === 'task-T1').map((e) => e.type)).toEqual(['DeadlineApproaching', 'TaskBecameOverdue']);
    await settle();
  });

  it('does not make a client\'s expectedVersion stale: a reminder changes nothing it decided on', async () => {
    // T5 is at version 2 (assigned, two reminders); a client that read version 0 may still write.
    const r = await a.tasks.reportProgress({ taskId: 'T5', percent: 40, note: 'Đang triển khai' }, ctx(focalBCA, { expectedVersion: 0 }));
    expect(r.version).toBe(3);
    // A real change in between still is a conflict.
    const stale = await a.tasks.reportProgress({ taskId: 'T5', percent: 50, note: 'Muộn' }, ctx(focalBCA, { expectedVersion: 0 })).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(TiendoError);
    expect((stale as TiendoError).reason).toBe('STALE_VERSION');
  });
});

describe('planReminders (pure)', () => {
  const views = (tasks: { id: string; deadline: string | null; phase?: string }[]) => ({
    tasks: new Map(tasks.map((t) => [t.id, { id: t.id, deadline: t.deadline, phase: t.phase ?? 'OPEN' }])),
    inspections: new Map(), units: new Map(), reports: new Map(), notifications: new Map(),
  }) as unknown as Views;
  const plan = (deadline: string | null, phase?: string) =>
    planReminders(views([{ id: 'T', deadline, ...(phase ? { phase } : {}) }]), { today: '2026-05-10', dueRules: defaultDueRules, reportKinds: [] })
      .map((p) => (p.event.type === 'DeadlineApproaching' ? `${p.event.type} ${p.event.data.daysBefore}` : p.event.type));

  it('picks the 7, 3 and 1-day reminders and the day-after overdue one (Asia/Ho_Chi_Minh dates)', () => {
    expect(plan('2026-05-18')).toEqual([]); // 8 days
    expect(plan('2026-05-17')).toEqual(['DeadlineApproaching 7']);
    expect(plan('2026-05-14')).toEqual(['DeadlineApproaching 7']); // 4 days: still the 7-day one
    expect(plan('2026-05-13')).toEqual(['DeadlineApproaching 3']);
    expect(plan('2026-05-11')).toEqual(['DeadlineApproaching 1']);
    expect(plan('2026-05-10')).toEqual(['DeadlineApproaching 1']); // due today: the 1-day one, if it was missed
    expect(plan('2026-05-09')).toEqual(['TaskBecameOverdue']);
    expect(plan(null)).toEqual([]);
    for (const phase of ['AWAITING_CONFIRMATION', 'COMPLETED', 'PAUSED', 'CANCELLED']) expect(plan('2026-05-09', phase)).toEqual([]);
  });

  it('gives a reminder the same id on every replica, and a new one when the deadline moves', () => {
    const ids = (deadline: string) => planReminders(views([{ id: 'T', deadline }]), { today: '2026-05-10', dueRules: defaultDueRules, reportKinds: [] }).map((p) => p.id);
    expect(ids('2026-05-13')).toEqual(ids('2026-05-13'));
    expect(ids('2026-05-13')).not.toEqual(ids('2026-05-12'));
  });

  it('compares dates across month and year ends, and with no thresholds plans the overdue ones only', () => {
    const at = (today: string, deadline: string, thresholds?: number[]) =>
      planReminders(views([{ id: 'T', deadline }]), { today, dueRules: defaultDueRules, reportKinds: [], ...(thresholds ? { thresholds } : {}) })
        .map((p) => (p.event.type === 'DeadlineApproaching' ? `${p.event.type} ${p.event.data.daysBefore}` : p.event.type));
    expect(at('2026-12-29', '2027-01-05')).toEqual(['DeadlineApproaching 7']);
    expect(at('2026-12-29', '2027-01-06')).toEqual([]);
    expect(at('2027-01-01', '2026-12-31')).toEqual(['TaskBecameOverdue']);
    expect(at('2026-03-01', '2026-02-28', [])).toEqual(['TaskBecameOverdue']);
    expect(at('2026-03-01', '2026-03-01', [])).toEqual([]);
  });

  it('pauses every 1,000 items looked at (the scheduler lets requests run there), planning the same reminders', () => {
    const tasks = Array.from({ length: 2_500 }, (_, i) => ({ id: `T${i}`, deadline: i % 2 ? '2026-05-01' : '2026-12-31' }));
    const options = { today: '2026-05-10', dueRules: defaultDueRules, reportKinds: [] };
    const steps = [...reminderPlans(views(tasks), options)];
    expect(steps.filter((p) => p === PAUSE)).toHaveLength(2);
    expect(steps.indexOf(PAUSE)).toBe(499); // before the 1,000th task: after the 499 overdue ones of the first 999
    expect(steps.filter((p) => p !== PAUSE)).toEqual(planReminders(views(tasks), options));
    expect(planReminders(views(tasks), options)).toHaveLength(1_250);
  });

  it('remembers ids between passes (ReminderIds): the same ids as reminderId, and only what the last two passes asked for', () => {
    const tasks = Array.from({ length: 5 }, (_, i) => ({ id: `T${i}`, deadline: '2026-05-01' }));
    const options = { today: '2026-05-10', dueRules: defaultDueRules, reportKinds: [] };
    const ids = new ReminderIds();
    const pass = (ts: typeof tasks) => {
      ids.nextPass();
      return planReminders(views(ts), { ...options, idOf: ids.idOf }).map((p) => p.id);
    };
    const plain = planReminders(views(tasks), options).map((p) => p.id);
    expect(pass(tasks)).toEqual(plain);
    expect(pass(tasks)).toEqual(plain);
    expect(ids.size).toBe(5);
    expect(pass(tasks.slice(0, 2))).toEqual(plain.slice(0, 2));
    expect(pass(tasks.slice(0, 2))).toEqual(plain.slice(0, 2));
    expect(ids.size).toBe(2);
    expect(plain[0]).toBe(reminderId('TaskBecameOverdue', 'task:T0', '2026-05-01'));
  });
});
