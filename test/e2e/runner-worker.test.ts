import { afterAll, describe, expect, it } from 'vitest';
import { Collector, untilSubscribed, wsClient } from '../support/live.js';
import { drive, expectRecoveryAsRebuilt, missingAcks, reportAndReadBack, setUpWorld } from '../support/load.js';
import { TestServer } from '../support/server.js';

/**
 * TIENDO_RUNNER_WORKER=1 (src/runner/worker.ts): the projection runner folds and writes in a worker
 * thread and the main thread's views load the rows it posts. What queries see must not change: a
 * mutation's result in the next query, subscriptions, a SIGKILL mid-load recovered to what a fresh
 * rebuild gives, and a worker that dies is restarted (or the server exits) — never a frozen model.
 */
const WORKER = { TIENDO_RUNNER_WORKER: '1', TIENDO_REMINDERS: '0' };
const servers: TestServer[] = [];
const start = async (env: Record<string, string>) => {
  const s = await TestServer.start({ ...WORKER, ...env });
  servers.push(s);
  return s;
};
afterAll(async () => {
  for (const s of servers) await s.dispose();
});

describe('TIENDO_RUNNER_WORKER=1: the projection runner in a worker thread', () => {
  it('shows each mutation to the next query and fires subscriptions', async () => {
    const s = await start({});
    const world = await setUpWorld(s, 'R');
    const watched = world.tasks[0]!;
    const c = wsClient(s, { token: world.leader });
    const updates = new Collector<{ taskChanged: { id: string; progress: number } }>(c,
      'subscription ($id: ID!) { taskChanged(id: $id) { id progress } }', { id: watched.id });
    try {
      await untilSubscribed(s, 'taskChanged', 1);
      await reportAndReadBack(s, world, 20, 'ryw');
      // The last report (i = 19) reaches the subscriber.
      const last = await updates.next((d) => d.taskChanged.progress === (19 * 7 + 3) % 101);
      expect(last.data.taskChanged.id).toBe(watched.id);
    } finally {
      updates.dispose();
      await c.dispose();
    }
  });

  it('recovers from SIGKILL mid-load to the read model a fresh rebuild gives', async () => {
    const s = await start({});
    const world = await setUpWorld(s, 'K');
    const load = await drive(s, world, { clients: 8, stopAfter: 120, onStop: () => s.kill(), tag: 'k' });
    expect(s.alive).toBe(false);
    expect(load.inFlightAtStop).toBeGreaterThan(0);
    expect(missingAcks(s.dataDir, load.acked)).toEqual([]);
    await expectRecoveryAsRebuilt(s, world, WORKER);
  });

  it('restarts a worker that died, and queries see mutations made after its death', async () => {
    // The setup writes 4 units and 6 tasks: the first worker dies on applying event 30, mid-reports.
    const s = await start({ TIENDO_TEST_RUNNER_WORKER_CRASH_AT: '30' });
    const world = await setUpWorld(s, 'D');
    const positions = await reportAndReadBack(s, world, 40, 'after-death');
    expect(positions.some((p) => p > 30)).toBe(true);
    expect(s.output).toContain('projection worker died: restarting it from its checkpoint');
    expect(s.alive).toBe(true);
    const health = await (await fetch(`${s.url}/health`)).json() as { status: string; position: string };
    expect(health.status).toBe('ok');
    expect(Number(health.position)).toBeGreaterThanOrEqual(positions.at(-1)!);
  });

  it('exits 1 when the worker keeps dying, rather than answer from a model that no longer moves', async () => {
    const s = await start({ TIENDO_TEST_RUNNER_WORKER_CRASH_AT: '5', TIENDO_TEST_RUNNER_WORKER_CRASH_TIMES: '99' });
    await setUpWorld(s, 'X').catch(() => undefined); // the server may be gone before the setup ends
    const deadline = Date.now() + 30_000;
    while (s.alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(s.alive).toBe(false);
    expect(s.output).toContain('projection worker keeps dying: exiting');
  });
});
