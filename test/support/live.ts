import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from './server.js';

/** A graphql-ws client (graphql-transport-ws protocol) over `ws` against the test server, no retries. */
export function wsClient(server: TestServer, connectionParams?: Record<string, unknown>): Client {
  return createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Received<T> {
  at: number;
  data: T;
}

/** What one subscription received: results as they came, with the time; its error; whether it completed. */
export class Collector<T = Record<string, unknown>> {
  readonly items: Received<T>[] = [];
  error: unknown;
  completed = false;
  private readonly stop: () => void;
  private wake: (() => void) | undefined;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.stop = client.subscribe<T>({ query, variables }, {
      next: (r) => {
        if (r.errors?.length) this.error = r.errors;
        if (r.data) this.items.push({ at: Date.now(), data: r.data as T });
        this.wake?.();
      },
      error: (e) => {
        this.error = e;
        this.wake?.();
      },
      complete: () => {
        this.completed = true;
        this.wake?.();
      },
    });
  }

  /** Resolves with the first item (after `from` items) that matches, or rejects after `timeoutMs`. */
  async next(match: (d: T) => boolean = () => true, timeoutMs = 5000, from = 0): Promise<Received<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.items.slice(from).find((i) => match(i.data));
      if (hit) return hit;
      if (this.error) throw new Error(`subscription failed: ${JSON.stringify(errorInfo(this.error))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching update within ${timeoutMs} ms (got ${JSON.stringify(this.items.map((i) => i.data))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Waits for the subscription to fail (or complete), and returns the error. */
  async failure(timeoutMs = 5000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (this.error === undefined && !this.completed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.error;
  }

  dispose(): void {
    this.stop();
  }
}

/** A close event ({ code, reason }) or GraphQL errors ([{ message, extensions }]) as plain data. */
export function errorInfo(error: unknown): unknown {
  if (Array.isArray(error)) return error.map((e: { message?: string; extensions?: unknown }) => ({ message: e.message, extensions: e.extensions }));
  const e = error as { code?: unknown; reason?: unknown; message?: unknown };
  if (e && typeof e === 'object' && 'code' in e) return { code: e.code, reason: e.reason };
  return { message: e?.message ?? String(error) };
}

/** Reads /metrics and returns the value of one series (labels in any order), or undefined. */
export async function metric(server: TestServer, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return metricValue(text, name, labels);
}

export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

/** Polls /metrics until `done` holds for its text (or fails after `timeoutMs`); returns that text. */
export async function untilMetrics(server: TestServer, done: (text: string) => boolean, timeoutMs = 5000, headers: Record<string, string> = {}): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${server.url}/metrics`, { headers })).text();
    if (done(text)) return text;
    if (Date.now() > deadline) return text; // the caller's expectations say what is wrong
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the server counts `n` active subscriptions on `field` (so that an update cannot be missed). */
export async function untilSubscribed(server: TestServer, field: string, n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await metric(server, 'tiendo_subscriptions_active', { field });
    if ((v ?? 0) >= n) return;
    if (Date.now() > deadline) throw new Error(`${field}: ${v ?? 0} active subscriptions, expected ${n}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
