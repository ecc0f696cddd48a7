import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/events.js';
import { verifyFile } from '../../src/eventstore/verify.js';
import { eventsPerMutation, drive, missingAcks, setUpWorld } from '../support/load.js';
import { TestServer, ok } from '../support/server.js';

/**
 * Graceful shutdown (DESIGN §5, issue 7): SIGTERM in the middle of a burst of mutations. The server
 * stops accepting, answers what it had begun, flushes the read model, closes the store and exits 0;
 * after a restart every acknowledged mutation is there.
 */
let server: TestServer | undefined;
afterAll(async () => {
  await server?.dispose();
});

/**
 * A mutation the server has begun but cannot finish yet: headers sent with `Expect: 100-continue`,
 * so `continued` resolves once the server has taken the request in; the body follows on `finish()`.
 */
function slowMutation(url: string, token: string, payload: unknown) {
  const body = Buffer.from(JSON.stringify(payload));
  const req = request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}`, expect: '100-continue' },
  });
  const continued = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.once('error', reject);
  });
  response.catch(() => undefined); // awaited later: a failure then fails the test, not the run
  req.flushHeaders();
  return { continued, response, finish: () => req.end(body) };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; !condition();) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGTERM during a burst of mutations', () => {
  it('drains the request in flight, refuses new ones, keeps every acknowledged mutation, exits 0', async () => {
    const s = (server = await TestServer.start({ LOG_LEVEL: 'info' }));
    const world = await setUpWorld(s, 'S');
    const slowInput = { clientMutationId: 'slow-1', taskId: 'S0', percent: 77, indicators: [], note: 'gửi chậm' };
    const slow = slowMutation(s.url, world.focal.BCA!, {
      query: `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position task { id progress } } }`,
      variables: { input: slowInput },
    });
    await slow.continued;

    let exitCode: Promise<number | null> | undefined;
    let duringShutdown: string | undefined;
    const load = await drive(s, world, {
      clients: 16, stopAfter: 100, tag: 'term',
      onStop: async () => {
        exitCode = s.stop();
        await until('the server to begin shutting down', () => s.output.includes('"shutting down"'));
        // Closing: a new request is not served (refused, or 503 on a kept-alive connection).
        duringShutdown = await fetch(`${s.url}/health`).then((r) => String(r.status), (e: Error) => e.message);
        slow.finish();
      },
    });
    expect(load.inFlightAtStop).toBeGreaterThan(0);
    expect(await exitCode).toBe(0);
    expect(duringShutdown).not.toBe('200');
    expect(s.output).toMatch(/"code":0,"msg":"stopped"/);

    // The request begun before SIGTERM was answered in full, and what it wrote is kept.
    const answered = await slow.response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text).data.reportProgress.task).toEqual({ id: 'S0', progress: 77 });
    expect(eventsPerMutation(s.dataDir).get('slow-1')).toBe(1);

    // Every acknowledged mutation is on disk, once, where its payload said; the chain is intact.
    expect(missingAcks(s.dataDir, load.acked)).toEqual([]);
    expect(verifyFile(join(s.dataDir, 'events.db'), decode)).toMatchObject({ bad: null, unreadable: null });
    // A clean stop: nothing logged as an error, and no lock left behind (restore would refuse).
    expect(s.output).not.toMatch(/"level":50/);
    expect(existsSync(join(s.dataDir, 'serve.lock'))).toBe(false);

    // After a restart the read model shows them: every acknowledged new task exists, at least at its acknowledged version.
    await s.boot();
    const assigned = load.acked.filter((a) => a.mutation.field === 'assignTask').map((a) => (a.mutation.variables.input as { id: string }).id);
    expect(assigned.length).toBeGreaterThan(0);
    for (const id of assigned) {
      const r = ok(await s.gql<{ task: { id: string } | null }>(`query ($id: ID!) { task(id: $id) { id } }`, { id }, world.leader));
      expect(r.task?.id).toBe(id);
    }
    const slowTask = ok(await s.gql<{ task: { progress: number; history: { totalCount: number } } }>(`{ task(id: "S0") { progress history { totalCount } } }`, {}, world.leader));
    expect(slowTask.task.history.totalCount).toBeGreaterThan(1);
  }, 120_000);
});
