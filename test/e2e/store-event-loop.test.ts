import { afterAll, describe, expect, it } from 'vitest';
import { drive, expectRecoveryAsRebuilt, missingAcks, reportAndReadBack, setUpWorld } from '../support/load.js';
import { TestServer } from '../support/server.js';

/**
 * The store's group commits are written by a thread of their own by default (src/eventstore/writer.ts),
 * and every other end-to-end test runs that way. TIENDO_STORE_WRITER_THREAD=0 writes them on the
 * event loop, as before: a mutation is answered only once its events are durable and is read back by
 * the next query, and a SIGKILL mid-load loses no acknowledged append, in that mode too.
 */
const EVENT_LOOP = { TIENDO_STORE_WRITER_THREAD: '0', TIENDO_REMINDERS: '0' };
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
});
const start = async () => {
  const s = await TestServer.start(EVENT_LOOP);
  servers.push(s);
  return s;
};

describe('TIENDO_STORE_WRITER_THREAD=0: group commits on the event loop', () => {
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
    await expectRecoveryAsRebuilt(s, world, EVENT_LOOP);
  });
});
