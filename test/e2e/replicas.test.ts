import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoredEvents } from '../support/events-db.js';
import { type World, eventsPerMutation, readModelSnapshot, runCli, setUpWorld } from '../support/load.js';
import { TestServer, errorCode, freePort, ok } from '../support/server.js';

/**
 * Scale-out (issue 15, DESIGN §3): two `tiendo serve` processes on one events.db, each with its own
 * read model (TIENDO_VIEWS_DIR), spoken to over HTTP as a load balancer would, alternating between
 * them. Read-your-writes through X-Tiendo-Min-Position, conflicts and retries decided once across
 * both, a replica killed mid-load, and webhook deliveries sent once across replicas.
 */
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { clientMutationId position task { id version } } }`;
const PROGRESS = `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { clientMutationId position task { id version progress } } }`;
const TASK = `query ($id: ID!) { task(id: $id) { id version progress } }`;
const REGISTER = `mutation ($input: RegisterWebhookInput!) { registerWebhook(input: $input) { position webhook { id } } }`;
const MIN = 'x-tiendo-min-position';

type TaskData = { task: { id: string; version: number; progress: number } | null };
type Progress = { reportProgress: { position: string; task: { id: string; version: number; progress: number } } };

const dataDir = mkdtempSync(join(tmpdir(), 'tiendo-replicas-'));
const env = (name: string) => ({
  TIENDO_VIEWS_DIR: join(dataDir, `views-${name}`), TIENDO_MIN_POSITION_WAIT_MS: '1000',
  TIENDO_WEBHOOK_PRIVATE_NETWORKS: '1', TIENDO_WEBHOOK_TIMEOUT_MS: '2000', TIENDO_WEBHOOK_LEASE_MS: '4000', TIENDO_WEBHOOK_BACKOFF_MS: '100',
});
let a: TestServer;
let b: TestServer;
let world: World;

/** A webhook receiver: counts requests per X-Tiendo-Delivery; answers 204 after a moment, so deliveries are in flight. */
class Receiver {
  readonly hits = new Map<string, number>();
  private server!: Server;
  port = 0;
  async start() {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['x-tiendo-delivery']);
        this.hits.set(id, (this.hits.get(id) ?? 0) + 1);
        setTimeout(() => res.writeHead(204).end(), 30);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  stop() {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(r));
  }
}
const receiver = new Receiver();
let webhookPosition = 0;
let killedPid: number | undefined;

/** Polls `check` until it returns a value, or fails after `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const headPosition = () => String(readStoredEvents(dataDir, 'position = (SELECT MAX(position) FROM events)')[0]!.position);

beforeAll(async () => {
  await receiver.start();
  a = await TestServer.start(env('a'), dataDir);
  b = await TestServer.start(env('b'), dataDir);
  world = await setUpWorld(a, 'R');
  const registered = ok(await b.gql<{ registerWebhook: { position: string } }>(REGISTER,
    { input: { unitId: 'GOV', url: `http://127.0.0.1:${receiver.port}/hook`, includeDescendants: true } }, world.leader));
  webhookPosition = Number(registered.registerWebhook.position);
}, 60_000);

afterAll(async () => {
  await a?.kill();
  await b?.kill();
  await receiver.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('two replicas on one event store', () => {
  it('refuses a third process on a views directory in use, and names the variable to set', async () => {
    const r = await runCli(['serve'], dataDir, { ...env('a'), PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`another tiendo serve \\(pid ${a.pid}\\).*TIENDO_VIEWS_DIR`));
  });

  it('X-Tiendo-Min-Position: a write on one is read at once on the other; a bad value is BAD_USER_INPUT; a position not reached is UNAVAILABLE', async () => {
    const task = world.tasks[0]!;
    const write = ok(await a.gql<Progress>(PROGRESS, { input: { taskId: task.id, percent: 11, note: 'ghi ở A' } }, world.focal[task.lead]!)).reportProgress;
    const read = ok(await b.gql<TaskData>(TASK, { id: task.id }, world.leader, { [MIN]: write.position })).task!;
    expect(read.version).toBeGreaterThanOrEqual(write.task.version);
    expect(read.progress).toBe(11);

    for (const bad of ['abc', '-1', '1.5', '']) {
      const r = await b.gql(TASK, { id: task.id }, world.leader, { [MIN]: bad });
      expect(r.status, bad).toBe(400);
      expect(errorCode(r), bad).toBe('BAD_USER_INPUT');
    }
    const ahead = await b.gql(TASK, { id: task.id }, world.leader, { [MIN]: String(Number(headPosition()) + 1_000_000) });
    expect(ahead.status).toBe(503);
    expect(errorCode(ahead)).toBe('UNAVAILABLE');
    expect(ahead.body.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(ahead.body.data ?? null).toBeNull();
  });

  it('20 racers on one expectedVersion over both replicas: 1 winner, 19 CONFLICT', async () => {
    const task = world.tasks[1]!;
    const before = ok(await a.gql<TaskData>(TASK, { id: task.id }, world.leader)).task!;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => [a, b][i % 2]!.gql<Progress>(PROGRESS,
      { input: { taskId: task.id, expectedVersion: before.version, percent: 30 + i, note: `đua ${i}` } }, world.focal[task.lead]!)));
    const winners = results.filter((r) => r.body.data?.reportProgress);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.body.data?.reportProgress).map(errorCode)).toEqual(Array(19).fill('CONFLICT'));
    const won = winners[0]!.body.data!.reportProgress;
    for (const s of [a, b]) {
      expect(ok(await s.gql<TaskData>(TASK, { id: task.id }, world.leader, { [MIN]: won.position })).task)
        .toMatchObject({ version: before.version + 1, progress: won.task.progress });
    }
  });

  it('10 concurrent retries of one clientMutationId on both: one task, one event, the same payload for all', async () => {
    const input = { clientMutationId: 'replica-retry', id: 'R-RETRY', title: 'Nhiệm vụ gửi lại', source, leadUnitId: 'BCA', deadline: '2030-12-31' };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => [a, b][i % 2]!.gql(ASSIGN, { input }, world.leader)));
    const payloads = results.map((r) => ok(r).assignTask);
    for (const p of payloads) expect(p).toEqual(payloads[0]);
    expect(eventsPerMutation(dataDir).get('replica-retry')).toBe(1);
    expect(readStoredEvents(dataDir, "stream = 'task-R-RETRY'")).toHaveLength(1);
  });

  it('a load alternating between them: every acknowledged write visible on both; one killed mid-load, the other serves on without an error; restarted, its read model equals a fresh rebuild', async () => {
    let live = [a, b];
    let sent = 0;
    const acked: { position: string; taskId: string; version: number; on: TestServer }[] = [];
    const failures: string[] = [];
    let lostInFlight = 0;
    let maxLagMs = 0;
    const client = async (c: number) => {
      for (let n = 0; n < 25; n++) {
        const target = live[sent++ % live.length]!;
        const task = world.tasks[(c + n) % world.tasks.length]!;
        let r;
        try {
          r = await target.gql<Progress>(PROGRESS, { input: { clientMutationId: `load-${c}-${n}`, taskId: task.id, percent: (c * 7 + n) % 101, note: `tải ${c}/${n}` } }, world.focal[task.lead]!);
        } catch {
          if (target === b && killedPid !== undefined) { lostInFlight++; continue; } // killed under it: not acknowledged
          throw new Error(`replica ${target === a ? 'a' : 'b'} did not answer`);
        }
        if (!r.body.data?.reportProgress) {
          failures.push(`${r.status} ${JSON.stringify(r.body.errors)}`);
          continue;
        }
        const w = r.body.data.reportProgress;
        acked.push({ position: w.position, taskId: task.id, version: w.task.version, on: target });
        const other = live.find((s) => s !== target);
        if (!other) continue;
        // With the header: at once, never older than the write.
        const seen = await other.gql<TaskData>(TASK, { id: task.id }, world.leader, { [MIN]: w.position }).catch(() => undefined);
        if (seen === undefined) { if (other !== b || killedPid === undefined) failures.push('no answer with the header'); continue; }
        if ((seen.body.data?.task?.version ?? -1) < w.task.version) failures.push(`with the header: version ${seen.body.data?.task?.version} < ${w.task.version} (${JSON.stringify(seen.body.errors)})`);
        // Without it: within a second.
        const started = Date.now();
        await until(`write at ${w.position} visible on the other replica`, async () => {
          if (other === b && killedPid !== undefined) return true;
          const v = await other.gql<TaskData>(TASK, { id: task.id }, world.leader).catch(() => undefined);
          return v && (v.body.data?.task?.version ?? -1) >= w.task.version ? true : undefined;
        }, 1000);
        maxLagMs = Math.max(maxLagMs, Date.now() - started);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));
    await until('40 writes acknowledged', () => (acked.length >= 40 ? true : undefined), 30_000);
    killedPid = b.pid;
    await b.kill();
    live = [a];
    await load;
    process.stdout.write(`replicas: ${acked.length} writes acknowledged, ${lostInFlight} in flight to the killed replica, slowest visibility without the header ${maxLagMs} ms\n`);
    expect(failures).toEqual([]);
    expect(acked.filter((x) => x.on === a).length).toBeGreaterThan(0);

    // Every acknowledged write is on disk once; the restarted replica catches up with all of them.
    const onDisk = eventsPerMutation(dataDir);
    expect([...onDisk.entries()].filter(([id, n]) => id.startsWith('load-') && n !== 1)).toEqual([]);
    await b.boot();
    const head = headPosition();
    const fresh = await TestServer.start(env('fresh'), dataDir);
    try {
      for (const s of [b, fresh]) ok(await s.gql(TASK, { id: world.tasks[0]!.id }, world.leader, { [MIN]: head }));
      expect(await readModelSnapshot(b, world.leader)).toEqual(await readModelSnapshot(fresh, world.leader));
      expect(await readModelSnapshot(a, world.leader)).toEqual(await readModelSnapshot(fresh, world.leader));
    } finally {
      await fresh.kill();
    }
  }, 60_000);

  it('a webhook receiver gets each event once across replicas (an attempt the killed one claimed is taken over)', async () => {
    // Every event after the registration concerns GOV (every unit is below it): the tasks' and the reminders
    // both replicas' schedulers recorded (once: deterministic ids), not the deliveries' own.
    const expected = readStoredEvents(dataDir, "position > ? AND stream NOT LIKE 'delivery-%'", webhookPosition).length;
    expect(expected).toBeGreaterThan(40);
    const settled = await until('every delivery recorded as delivered', () => {
      const streams = new Map<string, { type: string; data: { outcome?: string; replica?: string; attempt: number } }[]>();
      for (const e of readStoredEvents(dataDir, "stream LIKE 'delivery-%'")) {
        streams.set(e.stream, [...(streams.get(e.stream) ?? []), e as never]);
      }
      const done = [...streams.values()].filter((s) => s.at(-1)!.data.outcome === 'DELIVERED');
      return streams.size >= expected && done.length === streams.size ? streams : undefined;
    }, 40_000);
    expect(settled.size).toBe(expected);
    expect(receiver.hits.size).toBe(expected);
    let takenOver = 0;
    let retried = 0;
    for (const [stream, events] of settled) {
      const hits = receiver.hits.get(stream.slice('delivery-'.length))!;
      const claims = events.filter((e) => e.type === 'WebhookDeliveryClaimed');
      const outcomes = events.filter((e) => e.type === 'WebhookDeliveryAttempted');
      if (claims.length === 1) {
        expect(hits, stream).toBe(1);
        continue;
      }
      // An attempt is made again only when its claimer was killed before recording the outcome, or when
      // it recorded a RETRY (the receiver did not answer in time: a slow machine): never by two replicas at once.
      for (const c of claims.slice(0, -1)) {
        const retry = outcomes.some((o) => o.data.attempt === c.data.attempt && o.data.outcome === 'RETRY');
        expect(retry || c.data.replica!.endsWith(`:${killedPid}`), `${stream}: ${JSON.stringify(events)}`).toBe(true);
        if (retry) retried++;
        else takenOver++;
      }
      expect(hits, stream).toBeLessThanOrEqual(claims.length);
    }
    process.stdout.write(`replicas: ${settled.size} webhook deliveries, ${takenOver} attempts taken over from the killed replica, ${retried} retried after a timeout\n`);
  }, 50_000);
});
