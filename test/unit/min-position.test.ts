import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerMinPosition } from '../../src/api/min-position.js';
import { loadConfig } from '../../src/config.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';

/**
 * The read-model gate in front of /graphql (src/api/min-position.ts), on a fastify instance with a
 * stand-in route and a stand-in runner: the real store's position parsing, the runner's wait faked.
 */
function serverWith(runner: { caughtUp: boolean; position: number }) {
  const store = new SqliteEventStore(':memory:');
  const fake = {
    caughtUp: runner.caughtUp,
    views: { get position() { return String(runner.position); } },
    waitFor: (position: string, ms: number) => (Number(position) <= runner.position ? Promise.resolve()
      : new Promise<void>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))),
  };
  const server = Fastify();
  registerMinPosition(server, { config: loadConfig({ TIENDO_MIN_POSITION_WAIT_MS: '50' }), store, runner: fake as never });
  server.post('/graphql', async () => ({ data: { ok: true } }));
  return server;
}
const ask = (server: ReturnType<typeof serverWith>, headers: Record<string, string> = {}) =>
  server.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...headers }, payload: '{}' });

describe('X-Tiendo-Min-Position and the first catch-up', () => {
  it('answers once the read model has reached the position, and without the header at once', async () => {
    const server = serverWith({ caughtUp: true, position: 10 });
    for (const headers of [{}, { 'x-tiendo-min-position': '10' }, { 'x-tiendo-min-position': ' 3 ' }] as Record<string, string>[]) {
      expect((await ask(server, headers)).json()).toEqual({ data: { ok: true } });
    }
  });

  it('refuses a position not reached in time with UNAVAILABLE, retryAfter and Retry-After, never the answer', async () => {
    const r = await ask(serverWith({ caughtUp: true, position: 10 }), { 'x-tiendo-min-position': '11' });
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json().errors[0].extensions).toMatchObject({ code: 'UNAVAILABLE', reason: 'BEHIND_MIN_POSITION', retryAfter: 1, position: '10' });
    expect(r.json().data).toBeUndefined();
  });

  it('refuses a value that is not a position of the store with BAD_USER_INPUT', async () => {
    const server = serverWith({ caughtUp: true, position: 10 });
    for (const bad of ['x', '-1', '1e3', '', '1, 2']) {
      const r = await ask(server, { 'x-tiendo-min-position': bad });
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().errors[0].extensions.code, bad).toBe('BAD_USER_INPUT');
    }
  });

  it('answers nothing from a read model still catching up after a (re)start: UNAVAILABLE, reason CATCHING_UP', async () => {
    const r = await ask(serverWith({ caughtUp: false, position: 10 }));
    expect(r.statusCode).toBe(503);
    expect(r.json().errors[0].extensions).toMatchObject({ code: 'UNAVAILABLE', reason: 'CATCHING_UP' });
  });
});
