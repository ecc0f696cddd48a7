import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/** NODE_ENV=production: no introspection, no GraphiQL, no schema hints; and the rate limit per token. */

describe('in production', () => {
  let server: TestServer;
  let leader: string;

  beforeAll(async () => {
    server = await TestServer.start({ NODE_ENV: 'production' });
    leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('refuses introspection (__schema and __type)', async () => {
    for (const q of ['{ __schema { queryType { name } } }', '{ __type(name: "Task") { fields { name } } }']) {
      const r = await server.gql(q, {}, leader);
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
      expect(r.body.errors![0]!.message).toMatch(/introspection/i);
    }
  });

  it('still answers ordinary queries, __typename included', async () => {
    expect(ok(await server.gql<{ me: { id: string; __typename: string } }>('{ me { id __typename } }', {}, leader)).me).toEqual({ id: 'leader', __typename: 'Actor' });
  });

  it('does not serve GraphiQL', async () => {
    expect((await fetch(`${server.url}/graphiql`)).status).toBe(404);
  });

  it('does not suggest field names ("Did you mean …?")', async () => {
    const r = await server.gql('{ taskz(id: "1") { id } }', {}, leader);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).not.toMatch(/Did you mean|"task"/);
  });

  it('stays up', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('the rate limit', () => {
  const LIMIT = 5;
  let server: TestServer;

  beforeAll(async () => {
    server = await TestServer.start({ TIENDO_RATE_LIMIT: String(LIMIT) });
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });

  const me = async (bearer?: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    return {
      status: res.status, retryAfter: res.headers.get('retry-after'),
      rateLimit: ['limit', 'remaining', 'reset'].map((h) => res.headers.get(`x-ratelimit-${h}`)),
      body: (await res.json()) as { errors?: { extensions?: { code?: string; reason?: string } }[] },
    };
  };

  it('says the limit, what remains of it and the seconds until it resets, as whole numbers', async () => {
    const t = await token({ id: 'counted-user', role: 'focal_point', unit: 'BCA' });
    const seen: (string | null)[][] = [];
    for (let i = 0; i < 3; i++) seen.push((await me(t)).rateLimit);
    expect(seen.map(([limit, remaining]) => [limit, remaining])).toEqual([['5', '4'], ['5', '3'], ['5', '2']]);
    for (const [, , reset] of seen) expect(reset).toMatch(/^\d+$/);
  });

  it(`allows ${LIMIT} requests a minute per token subject, then answers 429 with Retry-After`, async () => {
    const a = await token({ id: 'busy-user', role: 'focal_point', unit: 'BCA' });
    for (let i = 0; i < LIMIT; i++) expect((await me(a)).status).toBe(200);
    const refused = await me(a);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'RATE_LIMITED' });
  });

  it('counts per subject: a fresh token of the same subject is still limited, another subject is not', async () => {
    const again = await token({ id: 'busy-user', role: 'focal_point', unit: 'BCA' });
    expect((await me(again)).status).toBe(429);
    const other = await token({ id: 'quiet-user', role: 'focal_point', unit: 'BCA' });
    expect((await me(other)).status).toBe(200);
  });

  it('counts requests without a valid token per address, so guessing tokens is limited too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await me(i % 2 ? 'forged.token.value' : undefined)).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  it('does not limit /health, and the server stays up', async () => {
    for (let i = 0; i < LIMIT * 2; i++) expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
