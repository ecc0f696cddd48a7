import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { HISTORY_END_MS, planWorkload, runWorkload } from '../bench/workload.js';
import { unitProgress } from '../projections/queries.js';
import { createApp } from '../src/app/app.js';
import { Config } from '../src/config.js';

const dirs: string[] = [];

/** The bench's generator at a tiny size, through the command path, into a fresh store; its figures at the end. */
async function generate(events: number, seed: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tiendo-bench-smoke-'));
  dirs.push(dir);
  const app = await createApp(
    Config.parse({ TIENDO_DATA: dir, TIENDO_DEMO: '0', TIENDO_AUTH_SECRET: 'bench-smoke-secret-that-is-long-enough-0123456789', LOG_LEVEL: 'silent' }),
    pino({ level: 'silent' }),
  );
  try {
    app.runner.start();
    await app.runner.ready;
    const run = await runWorkload(app, { events, seed });
    const views = app.runner.views;
    const at = new Date(HISTORY_END_MS).toISOString();
    const figures = (unitId: string) => {
      const { unit, overdue, overdueFindings, ...rest } = unitProgress(views, views.units.get(unitId)!, true, { at, dueSoonDays: 7, canSee: () => true });
      return { unit: unit.id, ...rest, overdue: overdue.map((t) => t.id), overdueFindings: overdueFindings.map((f) => f.id) };
    };
    const province = [...views.units.values()].find((u) => u.kind === 'PROVINCE')!.id;
    return { events: run.events, commands: run.commands, byKind: run.byKind, tasks: views.tasks.size, gov: figures('GOV'), province: figures(province), bca: figures('BCA') };
  } finally {
    await app.close();
  }
}

describe('the bench workload generator', () => {
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is deterministic: the same seed gives the same events and the same figures', async () => {
    const a = await generate(2000, 6);
    const b = await generate(2000, 6);
    expect(a.events).toBeGreaterThan(1900);
    expect(a.events).toBeLessThan(2100);
    expect(b).toEqual(a);
    // It is the national workload in small: every kind of command, statuses of every sort.
    for (const kind of ['registerUnit', 'assignTask', 'delegateTask', 'reportProgress', 'requestDeadlineExtension', 'decideDeadlineExtension',
      'raiseObstacle', 'resolveObstacle', 'planInspection', 'recordFinding', 'submitPeriodicReport', 'reportCompletion', 'confirmCompletion'] as const) {
      expect(a.byKind[kind], kind).toBeGreaterThan(0);
    }
    expect(a.gov.totalTasks).toBe(a.tasks);
    expect(a.gov.byStatus.filter((s) => s.count > 0).length).toBeGreaterThan(3);
  }, 60_000);

  it('plans about as many events as asked, from the same seed the same plan', () => {
    const plan = planWorkload(20_000, 6);
    expect(plan.shape.plannedEvents).toBeGreaterThan(19_000);
    expect(plan.shape.plannedEvents).toBeLessThan(21_000);
    const count = (p: ReturnType<typeof planWorkload>) => {
      let n = 0;
      for (const s of p.steps()) for (const c of s.commands) n += c.events;
      return n;
    };
    expect(count(planWorkload(20_000, 6))).toBe(count(plan));
    expect(count(planWorkload(20_000, 7))).not.toBe(count(plan));
  });
});
