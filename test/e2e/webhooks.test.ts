import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/webhooks/secret.js';
import { metricValue } from '../support/live.js';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * Webhooks (issue 10) against a local HTTP receiver on 127.0.0.1: a signed delivery, a failing
 * receiver retried with backoff and recorded, an unreachable one recorded, bad URLs refused, a
 * hanging receiver that never holds up a command, registrations that survive a restart, and by
 * default no delivery to a private address.
 */
const today = DateTime.now().setZone('Asia/Ho_Chi_Minh');
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };

interface Hit { path: string; headers: IncomingMessage['headers']; body: string; at: number }

/** Answers /ok with 204, /fail with 500, holds /hang until released. */
class Receiver {
  readonly hits: Hit[] = [];
  private readonly held: ServerResponse[] = [];
  private server!: Server;
  port = 0;

  async start() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.hits.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        if (req.url === '/hang') this.held.push(res);
        else res.writeHead(req.url === '/ok' ? 204 : 500).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string) {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get open() {
    return this.held.filter((r) => !r.writableEnded && !r.destroyed).length;
  }

  async until(match: (h: Hit) => boolean, n = 1, timeoutMs = 10_000): Promise<Hit[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.hits.filter(match);
      if (found.length >= n) return found;
      if (Date.now() > deadline) throw new Error(`receiver: ${found.length} of ${n} requests (${JSON.stringify(this.hits.map((h) => h.path))})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop() {
    for (const r of this.held) r.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

let server: TestServer;
let receiver: Receiver;
let leader: string;
let focalBCA: string;
let deadPort: number;

const REGISTER = `mutation ($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret webhook { id url kinds active unit { id } registeredBy { id } } } }`;
const DELIVERIES = `query ($id: ID!) { webhookDeliveries(webhookId: $id) { totalCount edges { node { id eventType status attempts statusCode error } } } }`;
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`;

interface Delivery { id: string; eventType: string; status: string; attempts: number; statusCode: number | null; error: string | null }

async function register(url: string, unitId = 'BCA', kinds: string[] = ['TaskAssigned']) {
  return ok(await server.gql<{ registerWebhook: { secret: string; webhook: { id: string; url: string; kinds: string[]; active: boolean } } }>(
    REGISTER, { input: { unitId, url, kinds } }, leader)).registerWebhook;
}

async function deliveriesOf(webhookId: string): Promise<Delivery[]> {
  return ok(await server.gql<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(DELIVERIES, { id: webhookId }, leader)).webhookDeliveries.edges.map((e) => e.node);
}

async function untilSettled(webhookId: string, timeoutMs = 10_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await deliveriesOf(webhookId);
    if (list.length && list.every((d) => d.status !== 'PENDING')) return list;
    if (Date.now() > deadline) throw new Error(`deliveries still pending: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let taskSeq = 0;
let assignedToBCA = 0;
const assignTo = async (leadUnitId: string, headers: Record<string, string> = {}) => {
  const id = `W${++taskSeq}`;
  if (leadUnitId === 'BCA') assignedToBCA++;
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${leader}`, ...headers },
    body: JSON.stringify({ query: ASSIGN, variables: { input: { id, title: `Nhiệm vụ ${id}`, source, leadUnitId, deadline: day(30) } } }),
  });
  const body = (await res.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  return id;
};

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  // A port nothing listens on: take one, then close it.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));

  // The receiver is on 127.0.0.1: this server may deliver to private addresses (the default refuses, tested last).
  server = await TestServer.start({
    TIENDO_WEBHOOK_PRIVATE_NETWORKS: '1', TIENDO_REMINDERS: '0', TIENDO_WEBHOOK_MAX_ATTEMPTS: '3', TIENDO_WEBHOOK_BACKOFF_MS: '100', TIENDO_WEBHOOK_TIMEOUT_MS: '8000',
  });
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader-gov', role: 'leader', unit: 'GOV' });
  focalBCA = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
}, 90_000);

afterAll(async () => {
  await server?.dispose();
  await receiver?.stop();
});

describe('webhooks', () => {
  it('delivers a signed JSON body for the unit\'s events (HMAC-SHA256 over the raw body) and records it', async () => {
    const wh = await register(receiver.url('/ok'));
    expect(wh.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(wh.webhook).toMatchObject({ url: receiver.url('/ok'), kinds: ['TaskAssigned'], active: true, unit: { id: 'BCA' }, registeredBy: { id: 'leader-gov' } });

    await assignTo('01'); // another unit: not for this webhook
    const taskId = await assignTo('BCA', { 'x-correlation-id': 'corr-webhook-1' });
    const [hit] = await receiver.until((h) => h.path === '/ok');
    expect(verifySignature(wh.secret, hit!.body, hit!.headers['x-tiendo-signature'] as string)).toBe(true);
    // The check can fail: another secret, or a body changed by one character, does not verify.
    expect(verifySignature(`${wh.secret}x`, hit!.body, hit!.headers['x-tiendo-signature'] as string)).toBe(false);
    expect(verifySignature(wh.secret, hit!.body.replace(taskId, `${taskId}x`), hit!.headers['x-tiendo-signature'] as string)).toBe(false);
    expect(hit!.headers['content-type']).toMatch(/^application\/json/);
    expect(hit!.headers['x-tiendo-event']).toBe('TaskAssigned');
    expect(hit!.headers['x-tiendo-webhook']).toBe(wh.webhook.id);
    const body = JSON.parse(hit!.body) as { deliveryId: string; webhookId: string; event: { type: string; stream: string; correlationId: string; actor: { id: string }; data: { taskId: string; leadUnitId: string } }; task: { id: string; leadUnitId: string } };
    expect(body).toMatchObject({
      webhookId: wh.webhook.id, deliveryId: hit!.headers['x-tiendo-delivery'],
      event: { type: 'TaskAssigned', stream: `task-${taskId}`, correlationId: 'corr-webhook-1', actor: { id: 'leader-gov' }, data: { taskId, leadUnitId: 'BCA' } },
      task: { id: taskId, leadUnitId: 'BCA' },
    });

    const [delivery] = await untilSettled(wh.webhook.id);
    expect(delivery).toMatchObject({ id: body.deliveryId, eventType: 'TaskAssigned', status: 'DELIVERED', attempts: 1, statusCode: 204, error: null });
    expect(receiver.hits.filter((h) => h.path === '/ok')).toHaveLength(1);
  });

  it('retries a failing receiver with backoff, then records the failure with its status code and attempts', async () => {
    const wh = await register(receiver.url('/fail'));
    await assignTo('BCA');
    const hits = await receiver.until((h) => h.path === '/fail', 3);
    const [delivery] = await untilSettled(wh.webhook.id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3, statusCode: 500, error: 'HTTP 500' });
    // One delivery id across the attempts, numbered; the waits grow (100 ms, then 200 ms).
    expect(new Set(hits.map((h) => h.headers['x-tiendo-delivery'])).size).toBe(1);
    expect(hits.map((h) => h.headers['x-tiendo-attempt'])).toEqual(['1', '2', '3']);
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(90);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(190);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.hits.filter((h) => h.path === '/fail')).toHaveLength(3);
  });

  it('records an unreachable receiver as a failure, without a status code', async () => {
    const wh = await register(`http://127.0.0.1:${deadPort}/gone`);
    await assignTo('BCA');
    const [delivery] = await untilSettled(wh.webhook.id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3, statusCode: null, error: 'ECONNREFUSED' });
    // The outcomes in /metrics: at least the settled ones (the first delivery to /ok; 2 retries and a failure each
    // for /fail and the dead port). Later tasks for BCA reach those webhooks too, so these are lower bounds.
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(text, 'tiendo_webhook_deliveries_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'tiendo_webhook_deliveries_total', { outcome: 'retry' })).toBeGreaterThanOrEqual(4);
    expect(metricValue(text, 'tiendo_webhook_deliveries_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(2);
  });

  it('never holds up a command: a receiver that does not answer leaves the mutation unaffected', async () => {
    const wh = await register(receiver.url('/hang'), 'BCA', []);
    await assignTo('BCA'); // answered although the receiver holds its request open (the timeout is 8 s)
    await receiver.until((h) => h.path === '/hang');
    expect(receiver.open).toBe(1);
    expect((await deliveriesOf(wh.webhook.id))[0]).toMatchObject({ status: 'PENDING', attempts: 0 });
    ok(await server.gql(`mutation ($input: RemoveWebhookInput!) { removeWebhook(input: $input) { webhook { active } } }`, { input: { webhookId: wh.webhook.id } }, leader));
  });

  it('refuses URLs that are not http(s), unknown event kinds, and anyone but a leader over the unit', async () => {
    for (const url of ['ftp://127.0.0.1/x', 'javascript:alert(1)', 'not a url', 'http://user:pw@127.0.0.1/x', 'file:///etc/passwd']) {
      const r = await server.gql(REGISTER, { input: { unitId: 'BCA', url } }, leader);
      expect(errorCode(r), url).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await server.gql(REGISTER, { input: { unitId: 'BCA', url: receiver.url('/ok'), kinds: ['NoSuchEvent'] } }, leader))).toBe('BAD_USER_INPUT');
    expect(errorCode(await server.gql(REGISTER, { input: { unitId: 'BCA', url: receiver.url('/ok') } }, focalBCA))).toBe('FORBIDDEN');
    expect(errorCode(await server.gql(DELIVERIES, { id: 'WH-NOSUCH' }, leader))).toBe('NOT_FOUND');
  });

  it('keeps registrations and delivery records across a restart', async () => {
    const wh = await register(receiver.url('/ok'), '79', []);
    const before = receiver.hits.length;
    expect(await server.stop()).toBe(0);
    await server.boot();
    const list = ok(await server.gql<{ webhooks: { id: string; active: boolean }[] }>(`{ webhooks(unitId: "GOV") { id active } }`, {}, leader)).webhooks;
    expect(list.find((w) => w.id === wh.webhook.id)).toEqual({ id: wh.webhook.id, active: true });
    await assignTo('79');
    const [hit] = await receiver.until((h, i = receiver.hits.indexOf(h)) => i >= before && h.headers['x-tiendo-webhook'] === wh.webhook.id);
    expect(verifySignature(wh.secret, hit!.body, hit!.headers['x-tiendo-signature'] as string)).toBe(true);
    // The first webhook's delivery records are still there: one for each task assigned to BCA since it was registered.
    const first = ok(await server.gql<{ webhooks: { id: string; deliveries: { totalCount: number; edges: { node: { status: string } }[] } }[] }>(
      `{ webhooks(unitId: "BCA") { id deliveries { totalCount edges { node { status } } } } }`, {}, leader)).webhooks;
    expect(first[0]!.deliveries.totalCount).toBe(assignedToBCA);
    expect(new Set(first[0]!.deliveries.edges.map((e) => e.node.status))).toEqual(new Set(['DELIVERED']));
  }, 60_000);

  it('by default delivers nothing to a private, loopback or link-local address, and records why', async () => {
    const guarded = await TestServer.start({ TIENDO_REMINDERS: '0', TIENDO_WEBHOOK_MAX_ATTEMPTS: '1' });
    try {
      const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
      for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV']] as const) {
        ok(await guarded.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
      }
      const wh = ok(await guarded.gql<{ registerWebhook: { webhook: { id: string } } }>(
        REGISTER, { input: { unitId: 'BCA', url: receiver.url('/private'), kinds: ['TaskAssigned'] } }, leader)).registerWebhook.webhook;
      ok(await guarded.gql(ASSIGN, { input: { id: 'WP-1', title: 'Nhiệm vụ WP-1', source, leadUnitId: 'BCA', deadline: day(30) } }, leader));
      let list: Delivery[] = [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        list = ok(await guarded.gql<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(DELIVERIES, { id: wh.id }, leader)).webhookDeliveries.edges.map((e) => e.node);
        if (list.length && list.every((d) => d.status !== 'PENDING')) break;
      }
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ status: 'FAILED', attempts: 1, statusCode: null });
      expect(list[0]!.error).toMatch(/^destination refused: 127\.0\.0\.1 is a private, loopback or link-local address/);
      expect(receiver.hits.filter((h) => h.path === '/private')).toHaveLength(0);
    } finally {
      await guarded.dispose();
    }
  }, 60_000);
});
