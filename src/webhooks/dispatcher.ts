import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { canSeeTask } from '../auth/policy.js';
import { WrongExpectedRevisionError } from '../eventstore/errors.js';
import type { EventStore } from '../eventstore/port.js';
import { encode } from '../events.js';
import { concerns, taskOf } from '../live/scope.js';
import type { AppliedNotice, ProjectionRunner } from '../runner/runner.js';
import { newEventId, uuidFromName } from '../shared/ids.js';
import type { Actor } from '../shared/schemas.js';
import { type DeliveryEvent, type DeliveryState, decideClaim, deliveryStream, evolveDelivery, isDeliveryStream } from './delivery.js';
import type { WebhookView } from './events.js';
import { refusedDestination } from './destination.js';
import { signature, webhookSecret } from './secret.js';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One delivery of one event to one webhook, as `webhookDeliveries` lists it. */
export interface DeliveryRecord {
  seq: number;
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  statusCode: number | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
}

export interface DispatcherOptions {
  runner: ProjectionRunner;
  store: EventStore;
  /** SQLite file of the delivery log (this replica's, beside its read model; the claims are in the store). */
  file: string;
  /** Key the per-webhook secrets derive from. */
  key: Uint8Array | string;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** A claimed attempt whose outcome is not recorded this long after the claim is taken over (at least 2 × timeoutMs). */
  leaseMs: number;
  /** Names this process in its claims (default host:pid). */
  replica?: string;
  /** False: registrations are kept, nothing is sent (TIENDO_WEBHOOKS=0). */
  enabled: boolean;
  /** True: private, loopback and link-local destinations are allowed (destination.ts). */
  privateNetworks: boolean;
  log?: Logger | undefined;
  onOutcome?: ((outcome: 'delivered' | 'retry' | 'failed') => void) | undefined;
  /** At most this many requests in flight. */
  concurrency?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  webhook_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  status_code INTEGER,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  next_attempt_at TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_webhook ON deliveries (webhook_id, seq);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (status) WHERE status = 'PENDING';
`;

interface Row {
  seq: number; id: string; webhook_id: string; event_id: string; event_type: string; body: string; status: DeliveryStatus;
  attempts: number; status_code: number | null; error: string | null; created_at: string; updated_at: string; next_attempt_at: string | null;
}

const record = (r: Row): DeliveryRecord => ({
  seq: r.seq, id: r.id, webhookId: r.webhook_id, eventId: r.event_id, eventType: r.event_type, status: r.status, attempts: r.attempts,
  statusCode: r.status_code, error: r.error, createdAt: r.created_at, updatedAt: r.updated_at, nextAttemptAt: r.next_attempt_at,
});

/** Why a request failed, in a few words (no URL, no body: they may hold what logs must not). */
function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error)).slice(0, 200);
}

type AttemptOutcome = Extract<DeliveryEvent, { type: 'WebhookDeliveryAttempted' }>['data'];

/** Who records claims and outcomes: the system (delivery.ts). */
const DISPATCHER_ACTOR = { id: 'tiendo-webhooks', role: 'admin', unit: 'GOV' } as const;

/**
 * Delivers events to registered webhooks (issue 10). Fed by the runner's `applied` event, so a
 * command never waits for a receiver: it records a PENDING delivery (JSON body, fixed once) in
 * its own SQLite log and sends it in the background, signed with X-Tiendo-Signature
 * (`sha256=` HMAC-SHA256 of the raw body under the webhook's secret). A failure (no answer, a
 * network error, a status outside 2xx) is retried after backoffMs, 2×, 4× … up to maxAttempts,
 * then recorded FAILED; every attempt's status code and error are kept.
 *
 * Each (webhook, event) pair has one delivery id (X-Tiendo-Delivery), the same across retries,
 * restarts and replicas: a replayed read model does not send twice. With several replicas every one
 * records the delivery, and each attempt is sent by the one that claims it in the event store
 * (delivery.ts): once per attempt across replicas, taken over after the lease when its claimer dies.
 * The outcomes come back through the runner, so every replica's log tells the same. Pending
 * deliveries resume after a restart.
 */
export class WebhookDispatcher {
  private readonly db: Database.Database;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiting: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private closed = false;
  private readonly stmt;
  private readonly replica: string;
  private readonly leaseMs: number;
  private readonly listener = (n: AppliedNotice) => {
    try {
      this.onApplied(n);
    } catch (error) {
      this.o.log?.error({ err: error }, 'webhook dispatch failed');
    }
  };

  constructor(private readonly o: DispatcherOptions) {
    this.replica = o.replica ?? `${hostname()}:${process.pid}`;
    this.leaseMs = Math.max(o.leaseMs, 2 * o.timeoutMs);
    if (o.file !== ':memory:') mkdirSync(dirname(o.file), { recursive: true });
    this.db = new Database(o.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.stmt = {
      insert: this.db.prepare(
        "INSERT OR IGNORE INTO deliveries (id, webhook_id, event_id, event_type, body, status, created_at, updated_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)"),
      get: this.db.prepare<[string], Row>('SELECT * FROM deliveries WHERE id = ?'),
      update: this.db.prepare(
        'UPDATE deliveries SET status = ?, attempts = ?, status_code = ?, error = ?, updated_at = ?, next_attempt_at = ? WHERE id = ?'),
      /** An outcome from the store: never over a later attempt's. */
      settle: this.db.prepare(
        'UPDATE deliveries SET status = ?, attempts = ?, status_code = ?, error = ?, updated_at = ?, next_attempt_at = ? WHERE id = ? AND attempts <= ?'),
      pending: this.db.prepare<[], { id: string; next_attempt_at: string | null }>("SELECT id, next_attempt_at FROM deliveries WHERE status = 'PENDING' ORDER BY seq"),
      page: this.db.prepare<[string, number, number], Row>('SELECT * FROM deliveries WHERE webhook_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
      count: this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE webhook_id = ?'),
    };
  }

  /** Follows the runner (attach before it starts, to see the events of its catch-up) and resumes pending deliveries. */
  start(): void {
    this.o.runner.on('applied', this.listener);
    if (!this.o.enabled) return;
    if (this.o.runner.caughtUp) this.resumePending();
    else this.o.runner.once('caughtUp', this.resumePending);
  }

  /**
   * Once the read model has caught up: what is still pending is sent. Not before: a catch-up (a
   * replica rebuilding from zero) applies old events whose deliveries were settled long ago, and
   * their outcomes, applied a little later in the same catch-up, settle them here without a look at the store.
   */
  private readonly resumePending = () => {
    const now = Date.now();
    for (const p of this.stmt.pending.all()) this.schedule(p.id, p.next_attempt_at ? Math.max(0, Date.parse(p.next_attempt_at) - now) : 0);
  };

  private onApplied(n: AppliedNotice): void {
    if (!this.o.enabled || this.closed) return;
    if (n.event.type === 'WebhookDeliveryAttempted') return this.noteOutcome(n.event.data as AttemptOutcome);
    const views = this.o.runner.views;
    if (views.webhooks.size === 0 || n.event.stream.startsWith('webhook-') || isDeliveryStream(n.event.stream)) return;
    for (const wh of views.webhooks.values()) {
      if (wh.removedAt || (wh.kinds.length > 0 && !wh.kinds.includes(n.event.type))) continue;
      // Only what happened after the registration (a read model rebuilt from zero replays older events).
      if (this.o.store.comparePositions(n.event.position, wh.position) <= 0) continue;
      if (!concerns(n, views, wh.unitId, wh.includeDescendants)) continue;
      const task = taskOf(n, views);
      // Deliveries see what the leader who registered the webhook may see.
      if (task && !canSeeTask(wh.owner as Actor, task, (u, a) => views.isWithin(u, a))) continue;
      this.enqueue(wh, n, task);
    }
  }

  private enqueue(wh: WebhookView, n: AppliedNotice, task: ReturnType<typeof taskOf>): void {
    const id = uuidFromName(`webhook-delivery|${wh.id}|${n.event.id}`);
    const e = n.event;
    const body = JSON.stringify({
      deliveryId: id, webhookId: wh.id, unitId: wh.unitId,
      event: {
        id: e.id, type: e.type, stream: e.stream, revision: e.revision, position: e.position,
        occurredAt: e.meta.occurredAt, recordedAt: e.recordedAt, correlationId: e.meta.correlationId,
        actor: e.meta.actor, reason: e.meta.reason ?? null, basis: e.meta.basis, data: e.data,
      },
      task: task ? { id: task.id, title: task.title, leadUnitId: task.leadUnitId, deadline: task.deadline, phase: task.phase, version: task.version } : null,
    });
    const now = new Date().toISOString();
    if (this.stmt.insert.run(id, wh.id, e.id, e.type, body, now, now, now).changes > 0 && this.o.runner.caughtUp) this.schedule(id, 0);
  }

  /** An outcome recorded by any replica (this one included): the log here says the same. */
  private noteOutcome(d: AttemptOutcome): void {
    const status = d.outcome === 'RETRY' ? 'PENDING' : d.outcome;
    this.stmt.settle.run(status, d.attempt, d.statusCode, d.error, new Date().toISOString(), d.nextAttemptAt, d.deliveryId, d.attempt);
  }

  private schedule(id: string, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waiting.push(id);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  private pump(): void {
    const limit = this.o.concurrency ?? 8;
    while (!this.closed && this.inFlight.size < limit && this.waiting.length) {
      const id = this.waiting.shift()!;
      const p = this.attempt(id)
        .catch((error: unknown) => this.o.log?.error({ err: error, deliveryId: id }, 'webhook attempt failed unexpectedly'))
        .finally(() => {
          this.inFlight.delete(p);
          this.pump();
        });
      this.inFlight.add(p);
    }
  }

  /** The delivery's stream, folded. */
  private async deliveryState(id: string): Promise<DeliveryState | null> {
    let state: DeliveryState | null = null;
    for (const r of await this.o.store.readStream(deliveryStream(id))) {
      state = evolveDelivery(state, { type: r.type, data: r.data } as DeliveryEvent, r.revision);
    }
    return state;
  }

  /** Appends a claim or an outcome on the delivery's stream; false when another replica got there first. */
  private async record(id: string, event: DeliveryEvent, expected: number | 'no_stream', now: string): Promise<number | null> {
    const encoded = encode(event, { actor: DISPATCHER_ACTOR, occurredAt: now, correlationId: id, causationId: null }, newEventId());
    try {
      return (await this.o.store.append(deliveryStream(id), [encoded], expected)).nextExpectedRevision;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return null;
      throw error;
    }
  }

  /**
   * Claims the delivery's next attempt for this replica: its number and the claim's revision, or
   * null when there is nothing to send now (settled; another replica holds it or the next attempt is
   * not due: looked at again then; the store failed: looked at again after backoffMs).
   */
  private async claim(id: string, eventId: string, webhookId: string, at: Date): Promise<{ attempt: number; revision: number } | null> {
    try {
      const decision = decideClaim(await this.deliveryState(id), at.toISOString());
      if (decision.kind === 'settled') return null; // its outcome reaches this log through the runner
      if (decision.kind === 'wait') {
        this.schedule(id, Math.max(0, Date.parse(decision.at) - Date.now()) + 10);
        return null;
      }
      const leaseUntil = new Date(at.getTime() + this.leaseMs).toISOString();
      const revision = await this.record(id, {
        type: 'WebhookDeliveryClaimed', data: { deliveryId: id, webhookId, eventId, attempt: decision.attempt, replica: this.replica, leaseUntil },
      }, decision.expectedRevision, at.toISOString());
      if (revision === null) {
        this.schedule(id, 0); // another replica claimed it a moment ago: read its lease
        return null;
      }
      return { attempt: decision.attempt, revision };
    } catch (error) {
      if (!this.closed) this.o.log?.warn({ err: error, deliveryId: id }, 'webhook delivery not claimed: the store failed; trying again');
      this.schedule(id, this.o.backoffMs);
      return null;
    }
  }

  private async attempt(id: string): Promise<void> {
    const row = this.stmt.get.get(id);
    if (!row || row.status !== 'PENDING') return;
    const wh = this.o.runner.views.webhooks.get(row.webhook_id);
    if (!wh || wh.removedAt) {
      this.stmt.update.run('FAILED', row.attempts, row.status_code, 'webhook removed', new Date().toISOString(), null, id);
      this.o.onOutcome?.('failed');
      return;
    }
    // Who sends this attempt is settled in the store: one claim per attempt across replicas.
    const claimedAt = new Date();
    const claimed = await this.claim(id, row.event_id, wh.id, claimedAt);
    if (claimed === null) return;
    const ids = { deliveryId: id, webhookId: wh.id, eventId: row.event_id, attempt: claimed.attempt };
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const refusal = this.o.privateNetworks ? null : await refusedDestination(wh.url);
      if (refusal) throw new Error(refusal);
      const res = await fetch(wh.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.controller.signal]),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'tiendo-webhooks/1',
          'x-tiendo-signature': signature(webhookSecret(this.o.key, wh.id, wh.salt), row.body),
          'x-tiendo-delivery': id,
          'x-tiendo-event': row.event_type,
          'x-tiendo-webhook': wh.id,
          'x-tiendo-attempt': String(claimed.attempt),
        },
        body: row.body,
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (e) {
      error = describe(e, this.o.timeoutMs);
    }
    if (this.closed && error) return; // shutting down: the claim runs out and the attempt is made again, here or elsewhere
    const now = new Date();
    const outcome = !error ? 'DELIVERED' : claimed.attempt < this.o.maxAttempts ? 'RETRY' : 'FAILED';
    const delay = this.o.backoffMs * 2 ** (claimed.attempt - 1);
    const nextAttemptAt = outcome === 'RETRY' ? new Date(now.getTime() + delay).toISOString() : null;
    // The log first (this replica answers webhookDeliveries at once), then the store for every replica.
    this.stmt.update.run(outcome === 'RETRY' ? 'PENDING' : outcome, claimed.attempt, statusCode, error, now.toISOString(), nextAttemptAt, id);
    // Counted with the log, not after the store's commit: /metrics never lags behind what webhookDeliveries shows.
    this.o.onOutcome?.(outcome === 'DELIVERED' ? 'delivered' : outcome === 'RETRY' ? 'retry' : 'failed');
    try {
      const kept = await this.record(id, {
        type: 'WebhookDeliveryAttempted', data: { ...ids, outcome, statusCode, error: error?.slice(0, 300) ?? null, nextAttemptAt },
      }, claimed.revision, now.toISOString());
      if (kept === null) this.o.log?.warn({ deliveryId: id, attempt: claimed.attempt }, 'webhook attempt outlived its claim: another replica took it over');
    } catch (e) {
      // Not recorded: once the claim's lease runs out the attempt is made again (the receiver may get it twice).
      this.o.log?.warn({ err: e, deliveryId: id, attempt: claimed.attempt }, 'webhook attempt outcome not recorded in the store');
    }
    if (outcome === 'RETRY') this.schedule(id, delay);
    if (outcome === 'FAILED') this.o.log?.warn({ deliveryId: id, webhookId: wh.id, attempts: claimed.attempt, statusCode, error }, 'webhook delivery failed');
  }

  /** A webhook's deliveries, newest first; `before` is a seq from a previous page. */
  deliveries(webhookId: string, first: number, before?: number): { rows: DeliveryRecord[]; hasNextPage: boolean; totalCount: number } {
    const rows = this.stmt.page.all(webhookId, before ?? Number.MAX_SAFE_INTEGER, first + 1);
    return { rows: rows.slice(0, first).map(record), hasNextPage: rows.length > first, totalCount: this.stmt.count.get(webhookId)!.n };
  }

  /** Stops sending (pending deliveries stay in the log and resume at the next start) and closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.o.runner.off('applied', this.listener);
    this.o.runner.off('caughtUp', this.resumePending);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.controller.abort();
    await Promise.allSettled([...this.inFlight]);
    if (this.db.open) this.db.close();
  }
}
