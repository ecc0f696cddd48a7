import { afterAll, describe, expect, it } from 'vitest';
import { drive, expectRecoveryAsRebuilt, missingAcks, reportAndReadBack, setUpWorld } from '../support/load.js';
import { TestServer } from '../support/server.js';

/**
 * TIENDO_STORE_WRITER_THREAD=1 (src/eventstore/writer.ts): the store's group commits are written and
 * fsynced by a thread of their own. A mutation is still answered only once its events are durable,
 * and it is still read back by the next query; a SIGKILL mid-load loses no acknowledged append.
 */
const WRITER = { TIENDO_STORE_WRITER_THREAD: '1', TIENDO_REMINDERS: '0' };
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
    await reportAndReadBack(s, world, 20, 'w');
  });

  it('loses no acknowledged append to a SIGKILL mid-load, and restarts to the read model a fresh rebuild gives', async () => {
    const s = await start();
    const world = await setUpWorld(s, 'K');
    const load = await drive(s, world, { clients: 8, stopAfter: 120, onStop: () => s.kill(), tag: 'k' });
    expect(s.alive).toBe(false);
    expect(load.acked.length).toBeGreaterThanOrEqual(120);
    expect(missingAcks(s.dataDir, load.acked)).toEqual([]);
    await expectRecoveryAsRebuilt(s, world, WRITER);
  });
});
