import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/events.js';
import { verifyFile } from '../../src/eventstore/verify.js';
import { type Ack, type Mutation, drive, eventsPerMutation, expectRecoveryAsRebuilt, missingAcks, setUpWorld } from '../support/load.js';
import { TestServer } from '../support/server.js';

/**
 * Crash safety (DESIGN §5 Reliability): the real server, 16 clients sending mutations as fast as it
 * answers, SIGKILL in the middle of it, a restart on the same data directory. Every acknowledged
 * mutation must be on disk exactly once where its payload said, the read model the restarted server
 * recovered must equal one rebuilt from zero by `tiendo rebuild`, and every mutation retried after
 * the crash must land exactly once.
 *
 * `npm test` runs one cycle; `npm run soak` (TIENDO_SOAK=1) runs several, bounded by
 * TIENDO_SOAK_CYCLES (default 8) and TIENDO_SOAK_SECONDS (default 300; no new cycle after it).
 */
const SOAK = process.env.TIENDO_SOAK === '1';
const CYCLES = SOAK ? Number(process.env.TIENDO_SOAK_CYCLES ?? 8) : 1;
const SOAK_MS = Number(process.env.TIENDO_SOAK_SECONDS ?? 300) * 1000;
const ACKS_PER_CYCLE = SOAK ? 600 : 150;
const CLIENTS = 16;

let server: TestServer | undefined;
afterAll(async () => {
  await server?.dispose();
});

/** Runs `f` over `items`, `width` at a time. */
async function pool<T, R>(items: T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

describe('SIGKILL mid-load', () => {
  it('loses no acknowledged mutation; the recovered read model equals a fresh rebuild; retries land once', async () => {
    // No reminder passes: one at each start could append notices between the two snapshots compared.
    const s = (server = await TestServer.start({ TIENDO_REMINDERS: '0' }));
    const world = await setUpWorld(s, 'C');
    const acked: Ack[] = [];
    const attempted: Mutation[] = [];
    const figures: string[] = [];
    const started = Date.now();

    for (let cycle = 0; cycle < CYCLES && (cycle === 0 || Date.now() - started < SOAK_MS); cycle++) {
      const load = await drive(s, world, { clients: CLIENTS, stopAfter: ACKS_PER_CYCLE, onStop: () => s.kill(), tag: `k${cycle}` });
      expect(s.alive).toBe(false);
      // Killed while requests were still open, not after the load had drained.
      expect(load.inFlightAtStop).toBeGreaterThan(0);
      acked.push(...load.acked);
      attempted.push(...load.attempted);
      figures.push(`cycle ${cycle}: ${load.attempted.length} sent, ${load.acked.length} acknowledged, ${load.inFlightAtStop} in flight at SIGKILL, refused ${JSON.stringify(load.refused)}`);

      // On disk, before anything restarts: every acknowledged mutation, once, where its payload said.
      expect(missingAcks(s.dataDir, acked)).toEqual([]);

      await expectRecoveryAsRebuilt(s, world);
    }

    // Retry every mutation ever sent, acknowledged or not: the acknowledged ones answer with their
    // original position, and afterwards every one of them is on disk exactly once.
    const ackedAt = new Map(acked.map((a) => [a.mutation.clientMutationId, a.position]));
    const retried = await pool(attempted, CLIENTS, async (m) => {
      const r = await s.gql<Record<string, { position: string }>>(m.query, m.variables, m.token);
      return { m, status: r.status, errors: r.body.errors, position: r.body.data?.[m.field]?.position };
    });
    for (const r of retried) {
      expect(r.errors, r.m.clientMutationId).toBeUndefined();
      if (ackedAt.has(r.m.clientMutationId)) expect(r.position, r.m.clientMutationId).toBe(ackedAt.get(r.m.clientMutationId));
    }
    const perMutation = eventsPerMutation(s.dataDir);
    const wrong = attempted.filter((m) => perMutation.get(m.clientMutationId) !== 1).map((m) => `${m.clientMutationId}: ${perMutation.get(m.clientMutationId) ?? 0}`);
    expect(wrong).toEqual([]);

    // The hash chain survived the kills, and every event passes its schema (what `tiendo verify` runs).
    expect(await s.stop()).toBe(0);
    const verify = verifyFile(join(s.dataDir, 'events.db'), decode);
    expect(verify).toMatchObject({ bad: null, unreadable: null });
    figures.push(`${attempted.length} mutations sent in all, ${acked.length} acknowledged before a kill; ${verify.events} events, chain intact`);
    process.stdout.write(`crash test:\n  ${figures.join('\n  ')}\n`);
  }, SOAK ? 60 * 60_000 : 150_000);
});
