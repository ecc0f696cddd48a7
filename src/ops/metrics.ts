import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WrongExpectedRevisionError } from '../eventstore/errors.js';
import type { EventStore } from '../eventstore/port.js';
import { REMINDER_KINDS } from '../reminders/events.js';
import type { ProjectionRunner } from '../runner/runner.js';

/** Operation names come from clients: only this many distinct ones get their own series. */
const MAX_OPERATION_NAMES = 200;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * tiendo's Prometheus metrics (issue 10), on a registry of its own (never prom-client's global
 * one, so several servers in one process do not collide). Served at /metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly names = new Set<string>();

  readonly requests = new Counter({
    name: 'tiendo_graphql_requests_total', help: 'GraphQL requests over HTTP, by operation name and type, and HTTP status class',
    labelNames: ['operation', 'type', 'status'] as const, registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'tiendo_graphql_request_duration_seconds', help: 'GraphQL request latency over HTTP, by operation name and type',
    labelNames: ['operation', 'type'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'tiendo_graphql_errors_total', help: 'Errors in GraphQL responses, by catalogue code',
    labelNames: ['code'] as const, registers: [this.registry],
  });
  readonly appends = new Counter({
    name: 'tiendo_events_appended_total', help: 'Events appended to the event store by this process (a deduplicated retry counts again)',
    registers: [this.registry],
  });
  readonly appendFailures = new Counter({
    name: 'tiendo_append_failures_total', help: 'Appends the event store refused, conflicts included',
    registers: [this.registry],
  });
  readonly conflicts = new Counter({
    name: 'tiendo_conflicts_total',
    help: 'Concurrency conflicts: store = an append lost a race (the command is decided again or refused), command = a client was answered CONFLICT (stale expectedVersion)',
    labelNames: ['source'] as const, registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: 'tiendo_subscriptions_active', help: 'Active GraphQL subscriptions, by field',
    labelNames: ['field'] as const, registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'tiendo_websocket_connections', help: 'Open authenticated GraphQL WebSocket connections', registers: [this.registry],
  });
  readonly reminders = new Counter({
    name: 'tiendo_reminders_total', help: 'Reminders by kind and outcome: recorded (by this process), duplicate (another replica had), failed',
    labelNames: ['kind', 'outcome'] as const, registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'tiendo_webhook_deliveries_total', help: 'Webhook delivery outcomes: delivered, retry (an attempt failed, another is scheduled), failed (gave up)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  // The GraphQL response micro-cache (src/api/query-cache.ts).
  readonly queryCacheHits = new Counter({
    name: 'tiendo_query_cache_hits_total', help: 'GraphQL queries over HTTP answered from the response cache', registers: [this.registry],
  });
  readonly queryCacheMisses = new Counter({
    name: 'tiendo_query_cache_misses_total', help: 'GraphQL queries over HTTP computed: not in the response cache, stale, or Cache-Control: no-cache',
    registers: [this.registry],
  });
  readonly queryCacheEvictions = new Counter({
    name: 'tiendo_query_cache_evictions_total', help: 'Response cache entries dropped to stay within TIENDO_QUERY_CACHE_MB', registers: [this.registry],
  });
  readonly queryCacheRefreshes = new Counter({
    name: 'tiendo_query_cache_refreshes_total', help: 'Task pages asked again by the server after their task changed (TIENDO_QUERY_CACHE_REFRESH): refreshed, or refused (e.g. the token expired)',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  /** The response cache's size, read when /metrics is scraped (not set on every lookup: that is the hot path). */
  queryCacheBytes: () => number = () => 0;

  constructor(defaults = true) {
    const bytes = () => this.queryCacheBytes();
    new Gauge({
      name: 'tiendo_query_cache_bytes', help: 'Bytes the response cache holds (answers, keys and a per-entry overhead)', registers: [this.registry],
      collect() { this.set(bytes()); },
    });
    for (const type of ['query', 'mutation', 'subscription']) this.latency.zero({ operation: 'anonymous', type });
    for (const outcome of ['delivered', 'retry', 'failed']) this.webhookDeliveries.inc({ outcome }, 0);
    for (const source of ['store', 'command']) this.conflicts.inc({ source }, 0);
    for (const kind of REMINDER_KINDS) for (const outcome of ['recorded', 'duplicate', 'failed']) this.reminders.inc({ kind, outcome }, 0);
    for (const field of ['taskChanged', 'unitProgressChanged', 'commitmentChanged']) this.subscriptions.set({ field }, 0);
    this.appends.inc(0);
    for (const c of [this.queryCacheHits, this.queryCacheMisses, this.queryCacheEvictions]) c.inc(0);
    for (const outcome of ['refreshed', 'refused']) this.queryCacheRefreshes.inc({ outcome }, 0);
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'tiendo_' });
  }

  /** A bounded label for a client-chosen operation name. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!NAME.test(name)) return 'invalid';
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_OPERATION_NAMES) return 'other';
    this.names.add(name);
    return name;
  }

  /**
   * Projection lag, computed when scraped: events in the store the read model has not applied
   * yet, and how long the oldest of them has waited (0 when caught up). Counting events needs
   * numeric positions (the SQLite store); with EventStoreDB the count is reported as 0 or 1.
   */
  watchProjection(store: EventStore, runner: ProjectionRunner): void {
    const lag = async () => {
      const [head] = await store.readAll({ direction: 'backwards', maxCount: 1 });
      const at = runner.views.position;
      if (!head || (at !== null && store.comparePositions(head.position, at) <= 0)) return { events: 0, seconds: 0 };
      const [next] = await store.readAll({ fromPosition: at ?? 'start', maxCount: 1 });
      const seconds = next ? Math.max(0, (Date.now() - Date.parse(next.recordedAt)) / 1000) : 0;
      const numeric = /^\d+$/.test(head.position) && (at === null || /^\d+$/.test(at));
      return { events: numeric ? Number(head.position) - Number(at ?? 0) : 1, seconds };
    };
    new Gauge({
      name: 'tiendo_projection_lag_events', help: 'Events stored but not yet applied to this process\'s read model',
      registers: [this.registry], async collect() { this.set((await lag()).events); },
    });
    new Gauge({
      name: 'tiendo_projection_lag_seconds', help: 'Age of the oldest event not yet applied to the read model (0 when caught up)',
      registers: [this.registry], async collect() { this.set((await lag()).seconds); },
    });
    new Gauge({
      name: 'tiendo_projection_caught_up', help: '1 once the read model has caught up with the store at start-up',
      registers: [this.registry], collect() { this.set(runner.caughtUp ? 1 : 0); },
    });
    new Gauge({
      name: 'tiendo_projection_unreadable_events', help: 'Stored events the projections could not decode and skipped',
      registers: [this.registry], collect() { this.set(runner.unreadable); },
    });
  }

  /**
   * Counts appends and store-level conflicts. Wraps the instance's own `append` (rather than
   * the store in a decorator) so that the store keeps its class and adapter-specific methods.
   */
  instrumentStore(store: EventStore): void {
    // Once per store; the counters are those of the latest Metrics to ask (a server rebuilt for the same app).
    const marked = store as EventStore & { [INSTRUMENTED]?: Metrics };
    const wrapped = marked[INSTRUMENTED] !== undefined;
    marked[INSTRUMENTED] = this;
    if (wrapped) return;
    const append = store.append.bind(store);
    store.append = async (stream, events, expected) => {
      const metrics = marked[INSTRUMENTED]!;
      try {
        const result = await append(stream, events, expected);
        metrics.appends.inc(events.length);
        return result;
      } catch (error) {
        metrics.appendFailures.inc();
        if (error instanceof WrongExpectedRevisionError) metrics.conflicts.inc({ source: 'store' });
        throw error;
      }
    };
  }
}

const INSTRUMENTED = Symbol('tiendo.metrics.instrumented');
