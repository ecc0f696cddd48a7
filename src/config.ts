import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { type DueRules, PERIOD_KINDS, type PeriodKind, defaultDueRules } from './periods/index.js';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** "MONTHLY=3,QUARTERLY=5": days after a period's cut-off window by which its report is due. */
const dueRules = z.string().default('').transform((text, ctx): DueRules => {
  const rules: Record<string, number> = { ...defaultDueRules };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, days] = part.split('=').map((x) => x.trim());
    if (!PERIOD_KINDS.includes(kind as PeriodKind) || !/^\d{1,3}$/.test(days ?? '')) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not KIND=days with KIND one of ${PERIOD_KINDS.join(', ')}` });
      return defaultDueRules;
    }
    rules[kind!] = Number(days);
  }
  return rules as DueRules;
});

/** "MONTHLY,QUARTERLY": period kinds, each named once; empty: none. */
const periodKinds = (byDefault: string) => z.string().default(byDefault).transform((text, ctx): PeriodKind[] => {
  const kinds = text.split(',').map((p) => p.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!PERIOD_KINDS.includes(k as PeriodKind)) ctx.addIssue({ code: 'custom', message: `"${k}" is not one of ${PERIOD_KINDS.join(', ')}` });
  }
  return [...new Set(kinds)] as PeriodKind[];
});

/** "10m", "30s", "1h", "500ms"; "0": never. In milliseconds. */
const duration = (byDefault: string) => z.string().trim().default(byDefault).transform((text, ctx): number => {
  const m = /^(\d{1,9})(ms|s|m|h)?$/.exec(text);
  if (!m || (m[2] === undefined && m[1] !== '0')) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 10m, 30s, 1h or 500ms (0: never)` });
    return 0;
  }
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const ms = Number(m[1]) * unit[m[2] ?? 'ms']!;
  if (ms > 0 && ms < 100) ctx.addIssue({ code: 'custom', message: `"${text}" is shorter than 100ms` });
  return ms;
});

/** Every setting tiendo reads from the environment, checked once at start-up. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  TIENDO_DATA: z.string().min(1).default('./data'),
  TIENDO_DEMO: flag.default(true),
  EVENTSTORE_URL: z.string().regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//, 'must be an esdb:// connection string').optional(),
  TIENDO_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** An identity provider's JWKS (RS256/ES256 tokens); when set it replaces the HS256 secret for verification. */
  TIENDO_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** When set, tokens must carry this `iss` (and tokens tiendo mints carry it). */
  TIENDO_JWT_ISSUER: z.string().min(1).optional(),
  /** When set, tokens must carry this `aud` (and tokens tiendo mints carry it). */
  TIENDO_JWT_AUDIENCE: z.string().min(1).optional(),
  TIENDO_REPORT_DUE_DAYS: dueRules,
  TIENDO_DUE_SOON_DAYS: z.coerce.number().int().min(0).max(90).default(7),
  TIENDO_RATE_LIMIT: z.coerce.number().int().min(1).default(6000),
  /** Executions of a query before mercurius compiles it with graphql-jit (issue 14, bench/README.md); 0: never. */
  TIENDO_GRAPHQL_JIT: z.coerce.number().int().min(0).default(2),
  /** The live projection runner's fold and writes in a worker thread (src/runner/worker.ts; SQLite store only). */
  TIENDO_RUNNER_WORKER: flag.default(false),
  /** The in-thread runner's writes to views.db in a thread of their own (src/runner/views-writer.ts); 0: on the event loop. */
  TIENDO_VIEWS_WRITER_THREAD: flag.default(true),
  /** A rebuild's snapshots for asOf taken by a thread of their own (src/runner/rebuild-snapshots.ts); 0: by the rebuild's thread. */
  TIENDO_REBUILD_SNAPSHOT_THREAD: flag.default(true),
  /**
   * A rebuild (or a start after a projection change) keeps the audit log when its own version is unchanged
   * (src/runner/read-model.ts, AUDIT_VERSION, held to what it files by test/unit/audit-version.test.ts); 0: filed anew.
   */
  TIENDO_REBUILD_KEEP_AUDIT: flag.default(true),
  /**
   * Threads a rebuild that keeps the audit log folds in, each the streams of its own (src/runner/rebuild-partitioned.ts);
   * 1: one. By default the cores, up to 4: each thread wants a core and memory of its own, and each reads the whole event table.
   */
  TIENDO_REBUILD_PARTITIONS: z.coerce.number().int().min(1).max(16).default(() => Math.min(4, availableParallelism())),
  /** The SQLite store's WAL checkpoints in a thread of their own (src/eventstore/checkpointer.ts); 0: by the appending connection. */
  TIENDO_STORE_CHECKPOINT_THREAD: flag.default(true),
  /** The SQLite store's group commits written by a thread of their own (src/eventstore/writer.ts); 0: on the event loop. */
  TIENDO_STORE_WRITER_THREAD: flag.default(true),
  /** How long a query's answer may be sent again while the read model has not moved (src/api/query-cache.ts); 0: no cache. */
  TIENDO_QUERY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /** Task pages served from the cache and made stale by a write are computed again once writes pause (src/api/page-refresh.ts). */
  TIENDO_QUERY_CACHE_REFRESH: flag.default(true),
  /** The response cache's bound, in MiB (least recently used out first). */
  TIENDO_QUERY_CACHE_MB: z.coerce.number().int().min(1).max(4096).default(32),
  /** How far the heap may grow past its live size between full collections, in percent (src/ops/heap-growth.ts); 0: V8's choice. */
  TIENDO_HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(1000).default(50),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Issue 10: reminders, webhooks (src/reminders, src/webhooks).
  /** The reminder scheduler in `serve`: 0 turns it off (e.g. on all replicas but one, though several are safe). */
  TIENDO_REMINDERS: flag.default(true),
  TIENDO_REMINDER_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** Period kinds whose missing reports get a PeriodicReportMissed (from every province); empty: none. */
  TIENDO_REMINDER_REPORT_KINDS: periodKinds('MONTHLY,QUARTERLY,HALF_YEARLY,ANNUAL'),
  /** Webhook deliveries from this process: 0 turns them off (registrations are still accepted and kept). */
  TIENDO_WEBHOOKS: flag.default(true),
  TIENDO_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** The first retry waits this long; each next one twice as long. */
  TIENDO_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  TIENDO_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Deliver webhooks to private, loopback and link-local addresses too (an intranet receiver); off: refused. */
  TIENDO_WEBHOOK_PRIVATE_NETWORKS: flag.default(false),
  /** Key the per-webhook signing secrets derive from; default: the HS256 token secret. Replicas must share it. */
  TIENDO_WEBHOOK_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  // Issue 16: anchored head hashes (src/anchors).
  /** How often `serve` records an anchor of the store's head (also at shutdown); 0: only at shutdown and on demand. */
  TIENDO_ANCHOR_INTERVAL: duration('10m'),
  /** The anchors' HMAC key, not the token secret; default: a random one kept in the data dir (anchor-key). */
  TIENDO_ANCHOR_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The anchor file (JSON lines); default: <TIENDO_DATA>/anchors.jsonl. */
  TIENDO_ANCHOR_FILE: z.string().min(1).optional(),
  // Issue 16: who may read /metrics, and where it is served (src/ops/metrics-endpoint.ts).
  /** When set, /metrics answers only `Authorization: Bearer <this>`. */
  TIENDO_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The metrics listener's host (default 127.0.0.1 in production); setting it outside production moves /metrics there too. */
  TIENDO_METRICS_HOST: z.string().min(1).optional(),
  /** The metrics listener's port (default 9464; 0: any free port). */
  TIENDO_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Issue 15: replicas on one event store.
  /** This replica's read model (views.db) and delivery log (webhooks.db); default: TIENDO_DATA. One process per directory. */
  TIENDO_VIEWS_DIR: z.string().min(1).optional(),
  /** How long a request with X-Tiendo-Min-Position waits for the read model to reach it before UNAVAILABLE. */
  TIENDO_MIN_POSITION_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /** A webhook delivery attempt claimed by a replica that went silent is taken over this long after its claim. */
  TIENDO_WEBHOOK_LEASE_MS: z.coerce.number().int().min(200).max(3_600_000).default(30_000),
  /** Requests in flight on one HTTP connection (pipelined) before more are refused with 503 OVERLOADED (src/api/overload.ts). */
  TIENDO_MAX_IN_FLIGHT_PER_CONNECTION: z.coerce.number().int().min(1).max(10_000).default(16),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = Config.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
