import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventStore } from '../eventstore/port.js';
import { encode } from '../events.js';
import type { DueRules, PeriodKind } from '../periods/index.js';
import type { Views } from '../runner/views.js';
import type { Actor } from '../shared/schemas.js';
import { dateAt } from '../shared/time.js';
import type { ReminderKind } from './events.js';
import { PAUSE, type PlannedReminder, ReminderIds, reminderPlans } from './plan.js';

/** Who records reminders: the system, on behalf of the standing agency. */
export const SCHEDULER_ACTOR: Actor = { id: 'tiendo-reminders', role: 'admin', unit: 'GOV' };

/** recorded: this run wrote it; duplicate: another run (another replica) had; failed: the append failed. */
export type ReminderOutcome = 'recorded' | 'duplicate' | 'failed';

export interface RunStats { planned: number; recorded: number; duplicate: number; failed: number }

export interface SchedulerOptions {
  store: EventStore;
  /** The read model to plan from (the live views). */
  views: () => Views;
  /** The instant "now", ISO-8601: the only clock the scheduler reads. Tests inject one. */
  clock: () => string;
  dueRules: DueRules;
  reportKinds: readonly PeriodKind[];
  log?: Logger | undefined;
  onOutcome?: ((kind: ReminderKind, outcome: ReminderOutcome) => void) | undefined;
}

const BATCH = 200;
/** The longest the plan runs before letting requests in. */
const PLAN_SLICE_MS = 4;

/**
 * Records the reminders that have fallen due (plan.ts) as events with deterministic ids. Safe
 * with several replicas running one each: the store keeps an event id once and answers a
 * re-append of it with the original result, so a second attempt writes nothing. Runs one
 * pass at a time; `start` repeats it on an interval.
 */
export class ReminderScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RunStats> | undefined;
  private readonly ids = new ReminderIds();

  constructor(private readonly o: SchedulerOptions) {}

  /** One pass; a call while a pass runs joins it. */
  runOnce(): Promise<RunStats> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<RunStats> {
    const now = this.o.clock();
    const runId = `reminders-${randomUUID()}`;
    const plans = await this.plan(now);
    const stats: RunStats = { planned: plans.length, recorded: 0, duplicate: 0, failed: 0 };
    for (let i = 0; i < plans.length; i += BATCH) {
      // Appends made in one tick share a transaction in the SQLite store (group commit).
      const outcomes = await Promise.all(plans.slice(i, i + BATCH).map((p) => this.record(p, now, runId)));
      outcomes.forEach((outcome, j) => {
        stats[outcome]++;
        this.o.onOutcome?.(plans[i + j]!.event.type, outcome);
      });
    }
    if (plans.length) this.o.log?.info({ correlationId: runId, ...stats }, 'reminders recorded');
    return stats;
  }

  /**
   * The plan, letting requests run every PLAN_SLICE_MS: at national scale a pass looks at tens of
   * thousands of tasks, and code run once a minute runs cold (50 ms at 21,746 tasks), a stall in
   * every request's latency. The read model may move between slices: a reminder's id is fixed by
   * what it is about, and the store keeps an id once, so a plan made across moves is still right.
   */
  private async plan(now: string): Promise<PlannedReminder[]> {
    this.ids.nextPass();
    const plans: PlannedReminder[] = [];
    let since = performance.now();
    for (const p of reminderPlans(this.o.views(), {
      today: dateAt(now), dueRules: this.o.dueRules, reportKinds: this.o.reportKinds, idOf: this.ids.idOf,
    })) {
      if (p !== PAUSE) plans.push(p);
      else if (performance.now() - since >= PLAN_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
    }
    return plans;
  }

  private async record(p: PlannedReminder, now: string, runId: string): Promise<ReminderOutcome> {
    try {
      const event = encode(p.event, { actor: SCHEDULER_ACTOR, occurredAt: now, correlationId: runId, causationId: null }, p.id);
      const result = await this.o.store.append(p.stream, [event], 'any');
      // The store answers a re-append with the original: it is ours if it carries this run's correlation id.
      const [stored] = await this.o.store.readStream(p.stream, { fromRevision: result.nextExpectedRevision, maxCount: 1 });
      const mine = stored?.id === p.id && (stored.metadata as { correlationId?: string } | null)?.correlationId === runId;
      return mine ? 'recorded' : 'duplicate';
    } catch (error) {
      this.o.log?.warn({ err: error, correlationId: runId, stream: p.stream, kind: p.event.type }, 'a reminder could not be recorded');
      return 'failed';
    }
  }

  /** Repeats `runOnce` every `intervalMs`; a failing pass is logged and the next one tries again. */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.runOnce().catch((error: unknown) => this.o.log?.error({ err: error }, 'reminder pass failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops repeating and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
