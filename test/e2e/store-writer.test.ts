import { afterAll, describe, expect, it } from 'vitest';
import { drive, missingAcks, readModelSnapshot, runCli, setUpWorld } from '../support/load.js';
import { TestServer, ok } from '../support/server.js';

/**
 * TIENDO_STORE_WRITER_THREAD=1 (src/eventstore/writer.ts): the store's group commits are written and
 * fsynced by a thread of their own. A mutation is still answered only once its events are durable,
 * and it is still read back by the next query; a SIGKILL mid-load loses no acknowledged append.
 */
const WRITER = { TIENDO_STORE_WRITER_THREAD: '1', TIENDO_REMINDERS: '0' };
const PROGRESS = `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position task { id version progress } } }`;
const TASK = `query ($id: ID!) { task(id: $id) { version progress } }`;

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
});
const start = async () => {
  const s = await TestServer.start(WRITER);
  servers.push(s);
  return s;
};

describe('TIENDO_STORE_WRITER_THREAD=1: group commits on a writer thread', () => {
  it('shows each mutation to the next query', async () => {
    const s = await start();
    const world = await setUpWorld(s, 'W');
    const task = world.tasks[0]!;
    for (let i = 0; i < 20; i++) {
      const percent = (i * 7 + 3) % 101;
      const r = ok(await s.gql<{ reportProgress: { task: { version: number; progress: number } } }>(PROGRESS,
        { input: { clientMutationId: `w-${i}`, taskId: task.id, percent, note: `w ${i}` } }, world.focal[task.lead]));
      const read = ok(await s.gql<{ task: { version: number; progress: number } }>(TASK, { id: task.id }, world.leader));
      expect(read.task).toEqual({ version: r.reportProgress.task.version, progress: percent });
    }
  });

  it('loses no acknowledged append to a SIGKILL mid-load, and restarts to the read model a fresh rebuild gives', async () => {
    const s = await start();
    const world = await setUpWorld(s, 'K');
    const load = await drive(s, world, { clients: 8, stopAfter: 120, onStop: () => s.kill(), tag: 'k' });
    expect(s.alive).toBe(false);
    expect(load.acked.length).toBeGreaterThanOrEqual(120);
    expect(missingAcks(s.dataDir, load.acked)).toEqual([]);
    await s.boot();
    const recovered = await readModelSnapshot(s, world.leader);
    expect(await s.stop()).toBe(0);
    const rebuild = await runCli(['rebuild'], s.dataDir, WRITER);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    await s.boot();
    expect(await readModelSnapshot(s, world.leader)).toEqual(recovered);
  });
});
