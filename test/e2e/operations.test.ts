import { spawn } from 'node:child_process';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, metricValue, untilMetrics, untilSubscribed, wsClient } from '../support/live.js';
import { SECRET, TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * Operations (issue 10) against the real server: /metrics in Prometheus format with the figures
 * the issue names, liveness and readiness, request and correlation ids in logs and responses,
 * the reminder scheduler running inside `serve`, and a bad setting refused at start-up.
 */
const today = DateTime.now().setZone('Asia/Ho_Chi_Minh');
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const root = new URL('../..', import.meta.url).pathname;

let server: TestServer;
let leader: string;
let focalBCA: string;

async function post(query: string, variables: Record<string, unknown>, tok: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { res, body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] } };
}

const metricsText = async () => (await fetch(`${server.url}/metrics`)).text();

beforeAll(async () => {
  // The scheduler runs every 200 ms here; LOG_LEVEL debug shows the per-request log lines.
  server = await TestServer.start({ TIENDO_REMINDER_INTERVAL_MS: '200', TIENDO_REMINDER_REPORT_KINDS: '', LOG_LEVEL: 'debug' });
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader-gov', role: 'leader', unit: 'GOV' });
  focalBCA = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('health', () => {
  it('answers liveness and readiness, and /health as before', async () => {
    const live = await fetch(`${server.url}/health/live`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'live' }]);
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', store: 'sqlite' });
  });
});

describe('reminders inside serve', () => {
  it('records a deadline reminder and an overdue one once each, in history and in notifications', async () => {
    const ASSIGN = `mutation AssignForReminder($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`;
    ok(await server.gql(ASSIGN, { input: { id: 'N2', title: 'Sắp đến hạn', source, leadUnitId: 'BCA', deadline: day(2) } }, leader));
    ok(await server.gql(ASSIGN, { input: { id: 'N0', title: 'Đã quá hạn', source, leadUnitId: 'BCA', deadline: day(-1) } }, leader));
    const NOTIFICATIONS = `{ notifications(unitId: "GOV") { totalCount edges { node { kind unit { id } task { id } dueDate daysBefore message } } } }`;
    type N = { notifications: { totalCount: number; edges: { node: { kind: string; task: { id: string }; dueDate: string; daysBefore: number | null; message: string } }[] } };
    const deadline = Date.now() + 10_000;
    let list: N['notifications'];
    do {
      await new Promise((r) => setTimeout(r, 100));
      list = ok(await server.gql<N>(NOTIFICATIONS, {}, focalBCA)).notifications;
    } while (list.totalCount < 2 && Date.now() < deadline);
    // Several more passes of the scheduler (every 200 ms) add nothing.
    await new Promise((r) => setTimeout(r, 700));
    list = ok(await server.gql<N>(NOTIFICATIONS, {}, focalBCA)).notifications;
    expect(list.edges.map((e) => e.node).sort((x, y) => x.task.id.localeCompare(y.task.id))).toEqual([
      { kind: 'TaskBecameOverdue', unit: { id: 'BCA' }, task: { id: 'N0' }, dueDate: day(-1), daysBefore: null, message: `Nhiệm vụ quá hạn: hạn ${day(-1)} đã qua mà chưa hoàn thành` },
      { kind: 'DeadlineApproaching', unit: { id: 'BCA' }, task: { id: 'N2' }, dueDate: day(2), daysBefore: 3, message: `Nhiệm vụ sắp đến hạn ${day(2)} (nhắc trước 3 ngày)` },
    ]);
    const h = ok(await server.gql<{ task: { version: number; history: { edges: { node: { kind: string; changes: unknown[]; actor: { id: string } } }[] } } }>(
      `{ task(id: "N2") { version history { edges { node { kind changes { field } actor { id } } } } } }`, {}, leader)).task;
    expect(h.history.edges.map((e) => e.node)).toEqual([
      { kind: 'TaskAssigned', changes: expect.any(Array), actor: { id: 'leader-gov' } },
      { kind: 'DeadlineApproaching', changes: [], actor: { id: 'tiendo-reminders' } },
    ]);
    // A client that read version 0 before the reminder may still write with it.
    ok(await server.gql(`mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { task { version } } }`,
      { input: { taskId: 'N2', expectedVersion: 0, percent: 80, note: 'Gần xong' } }, focalBCA));
    const text = await metricsText();
    expect(metricValue(text, 'tiendo_reminders_total', { kind: 'DeadlineApproaching', outcome: 'recorded' })).toBe(1);
    expect(metricValue(text, 'tiendo_reminders_total', { kind: 'TaskBecameOverdue', outcome: 'recorded' })).toBe(1);
  });
});

describe('/metrics', () => {
  it('exposes requests and latency by operation, appends, conflicts, projection lag, subscriptions, reminder and webhook outcomes', async () => {
    const before = await metricsText();
    const appendsBefore = metricValue(before, 'tiendo_events_appended_total')!;
    const ASSIGN = `mutation AssignForMetrics($input: AssignTaskInput!) { assignTask(input: $input) { task { id version } } }`;
    for (const i of [1, 2, 3]) {
      ok(await server.gql(ASSIGN, { input: { id: `M${i}`, title: `Nhiệm vụ ${i}`, source, leadUnitId: 'BCA', deadline: day(60) } }, leader));
    }
    ok(await server.gql(`query ReadOne { task(id: "M1") { id } }`, {}, leader));
    // A stale expectedVersion: the client is answered CONFLICT.
    ok(await server.gql(`mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { task { id } } }`, { input: { taskId: 'M1', percent: 10, note: 'a' } }, focalBCA));
    expect(errorCode(await server.gql(`mutation Stale($input: ReportProgressInput!) { reportProgress(input: $input) { task { id } } }`,
      { input: { taskId: 'M1', expectedVersion: 0, percent: 20, note: 'b' } }, focalBCA))).toBe('CONFLICT');
    // One live subscription.
    const c = wsClient(server, { token: leader });
    const sub = new Collector(c, `subscription { taskChanged(id: "M1") { id } }`);
    await untilSubscribed(server, 'taskChanged', 1);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(metricValue(text, 'tiendo_graphql_requests_total', { operation: 'AssignForMetrics', type: 'mutation', status: '2xx' })).toBe(3);
    expect(metricValue(text, 'tiendo_graphql_requests_total', { operation: 'ReadOne', type: 'query', status: '2xx' })).toBe(1);
    expect(metricValue(text, 'tiendo_graphql_request_duration_seconds_count', { operation: 'AssignForMetrics', type: 'mutation' })).toBe(3);
    expect(metricValue(text, 'tiendo_graphql_request_duration_seconds_bucket', { operation: 'AssignForMetrics', type: 'mutation', le: '+Inf' })).toBe(3);
    expect(metricValue(text, 'tiendo_events_appended_total')! - appendsBefore).toBeGreaterThanOrEqual(4);
    expect(metricValue(text, 'tiendo_conflicts_total', { source: 'command' })).toBe(1);
    expect(metricValue(text, 'tiendo_conflicts_total', { source: 'store' })).toBeDefined();
    expect(metricValue(text, 'tiendo_graphql_errors_total', { code: 'CONFLICT' })).toBe(1);
    expect(metricValue(text, 'tiendo_projection_lag_events')).toBe(0);
    expect(metricValue(text, 'tiendo_projection_lag_seconds')).toBe(0);
    expect(metricValue(text, 'tiendo_projection_caught_up')).toBe(1);
    expect(metricValue(text, 'tiendo_subscriptions_active', { field: 'taskChanged' })).toBe(1);
    expect(metricValue(text, 'tiendo_websocket_connections')).toBe(1);
    for (const outcome of ['delivered', 'retry', 'failed']) expect(metricValue(text, 'tiendo_webhook_deliveries_total', { outcome })).toBe(0);
    expect(metricValue(text, 'tiendo_reminders_total', { kind: 'PeriodicReportMissed', outcome: 'recorded' })).toBe(0);
    expect(metricValue(text, 'tiendo_process_resident_memory_bytes')).toBeGreaterThan(0);

    sub.dispose();
    await c.dispose();
    // The server sees the socket close after the client does: wait for both gauges, do not read once.
    const after = await untilMetrics(server, (t) => metricValue(t, 'tiendo_subscriptions_active', { field: 'taskChanged' }) === 0
      && metricValue(t, 'tiendo_websocket_connections') === 0);
    expect(metricValue(after, 'tiendo_subscriptions_active', { field: 'taskChanged' })).toBe(0);
    expect(metricValue(after, 'tiendo_websocket_connections')).toBe(0);
  });
});

describe('request and correlation ids', () => {
  it('echoes them and logs both with the request (the webhook test finds the correlation id in the event)', async () => {
    const { res, body } = await post(`mutation LoggedAssign($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`,
      { input: { id: 'C1', title: 'Có mã tương quan', source, leadUnitId: 'BCA', deadline: day(90) } }, leader, { 'x-correlation-id': 'corr-ops-42' });
    expect(body.errors).toBeUndefined();
    expect(res.headers.get('x-correlation-id')).toBe('corr-ops-42');
    const requestId = res.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    // Without one (or with a bad one) the request id stands in.
    const plain = await post(`{ me { id } }`, {}, leader, { 'x-correlation-id': 'bad id with spaces' });
    expect(plain.res.headers.get('x-correlation-id')).toBe(plain.res.headers.get('x-request-id'));

    const line = await waitForLog((l) => l.correlationId === 'corr-ops-42' && l.msg === 'graphql request');
    expect(line).toMatchObject({ reqId: requestId, correlationId: 'corr-ops-42', operation: 'LoggedAssign', type: 'mutation', statusCode: 200 });
  });
});

async function waitForLog(match: (l: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const raw of server.output.split('\n')) {
      if (!raw.startsWith('{')) continue;
      try {
        const l = JSON.parse(raw) as Record<string, unknown>;
        if (match(l)) return l;
      } catch {
        // a partial line
      }
    }
    if (Date.now() > deadline) throw new Error('no such log line');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('configuration', () => {
  function serveWith(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [`${root}bin/tiendo.js`, 'serve'], {
        cwd: root, env: { ...process.env, PORT: '0', TIENDO_DATA: `${server.dataDir}-config`, TIENDO_AUTH_SECRET: SECRET, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => { // after its stderr is read to the end
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it('refuses to start on a bad value, naming every bad setting, with exit code 1', async () => {
    const r = await serveWith({
      TIENDO_REMINDER_INTERVAL_MS: 'soon', TIENDO_WEBHOOK_MAX_ATTEMPTS: '0', TIENDO_REMINDER_REPORT_KINDS: 'MONTHLY,FORTNIGHTLY', TIENDO_REMINDERS: 'maybe',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^invalid configuration:/);
    for (const key of ['TIENDO_REMINDER_INTERVAL_MS', 'TIENDO_WEBHOOK_MAX_ATTEMPTS', 'TIENDO_REMINDER_REPORT_KINDS', 'TIENDO_REMINDERS']) expect(r.stderr).toContain(`${key}:`);
    expect(r.stderr).toContain('"FORTNIGHTLY" is not one of');
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, 40_000);
});
