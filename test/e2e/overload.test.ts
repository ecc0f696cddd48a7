import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, ok, token } from '../support/server.js';

/**
 * Load shedding (src/api/overload.ts): a client that pipelines more requests on one connection than
 * TIENDO_MAX_IN_FLIGHT_PER_CONNECTION gets the excess refused at once with 503, Retry-After and
 * UNAVAILABLE/OVERLOADED, every request answered in order; then the server serves as before.
 */
const LIMIT = 2;
const SENT = 40;
let server: TestServer;
let leader: string;

interface Answer { status: number; retryAfter: string | undefined; body: { data?: unknown; errors?: { extensions?: { code?: string; reason?: string } }[] } }

/**
 * On one connection, rounds of requests: each round's requests written at once, the next round once
 * every answer of the one before came back; resolves with every answer, in order.
 */
function pipeline(rounds: number[], body: string): Promise<Answer[]> {
  const count = rounds.reduce((a, b) => a + b, 0);
  const url = new URL(server.url);
  const request = `POST /graphql HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\nauthorization: Bearer ${leader}\r\n`
    + `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const answers: Answer[] = [];
    let buf = Buffer.alloc(0);
    let round = 0;
    let due = rounds[0]!;
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request.repeat(rounds[0]!)));
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`only ${answers.length} of ${count} answers in 30 s`)); }, 30_000);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const head = buf.indexOf('\r\n\r\n');
        if (head < 0) return;
        const text = buf.toString('latin1', 0, head);
        const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? NaN);
        if (!Number.isFinite(length)) throw new Error(`an answer without content-length: ${text}`);
        if (buf.length < head + 4 + length) return;
        answers.push({
          status: Number(text.slice(9, 12)), retryAfter: /retry-after:\s*(\S+)/i.exec(text)?.[1],
          body: JSON.parse(buf.toString('utf8', head + 4, head + 4 + length)),
        });
        buf = buf.subarray(head + 4 + length);
        if (answers.length === due && ++round < rounds.length) {
          due += rounds[round]!;
          socket.write(request.repeat(rounds[round]!));
        }
        if (answers.length === count) {
          clearTimeout(timer);
          socket.end();
          resolve(answers);
        }
      }
    });
  });
}

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_MAX_IN_FLIGHT_PER_CONNECTION: String(LIMIT) });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
}, 90_000);
afterAll(async () => server?.dispose());

describe('a connection pipelining more requests than the bound', () => {
  it('gets the excess refused at once with 503, Retry-After and UNAVAILABLE/OVERLOADED, the rest answered', async () => {
    // Then, on the same connection once those are answered, LIMIT more at once: all served.
    const all = await pipeline([SENT, LIMIT], JSON.stringify({ query: '{ __typename }' }));
    expect(all.slice(SENT).map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
    const answers = all.slice(0, SENT);
    const served = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 503);
    // Each answer is one or the other; the first LIMIT are always served (nothing was in flight before them).
    expect(served.length + shed.length).toBe(SENT);
    expect(answers.slice(0, LIMIT).map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
    for (const a of served) expect(a.body.data).toEqual({ __typename: 'Query' });
    expect(shed.length).toBeGreaterThan(0);
    for (const a of shed) {
      expect(a.retryAfter).toBe('1');
      expect(a.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAVAILABLE', reason: 'OVERLOADED' });
      expect(a.body.data).toBeUndefined();
    }
  });

  it('is served normally afterwards: one request at a time, and on one connection round after round within the bound', async () => {
    expect(ok(await server.gql('{ __typename }', {}, leader))).toEqual({ __typename: 'Query' });
    const answers = await pipeline([LIMIT, LIMIT, LIMIT], JSON.stringify({ query: '{ __typename }' }));
    expect(answers.map((a) => a.status)).toEqual(Array(3 * LIMIT).fill(200));
    expect(server.alive).toBe(true);
  });
});
