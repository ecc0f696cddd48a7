import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, ok, token } from '../support/server.js';

/**
 * The GraphQL-over-HTTP specification (graphql.github.io/graphql-over-http/draft): media types,
 * GET for queries only, and the status codes it names for each media type.
 */
let server: TestServer;
let leader: string;

const GQL = 'application/graphql-response+json';
const JSON_TYPE = 'application/json';

interface Answer { status: number; type: string; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] }; headers: Headers }

async function request(init: { method?: string; accept?: string | null; contentType?: string | null; body?: string; search?: Record<string, string>; auth?: string | null }): Promise<Answer> {
  const url = new URL(`${server.url}/graphql`);
  for (const [k, v] of Object.entries(init.search ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (init.accept !== null) headers.accept = init.accept ?? GQL;
  if (init.contentType !== null && init.body !== undefined) headers['content-type'] = init.contentType ?? JSON_TYPE;
  if (init.auth !== null) headers.authorization = `Bearer ${init.auth ?? leader}`;
  const res = await fetch(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : {}, headers: res.headers };
}
const post = (payload: unknown, accept?: string | null) => request({ body: JSON.stringify(payload), accept: accept === undefined ? GQL : accept });

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_REMINDERS: '0' }); // nothing writes behind the tests' back
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  ok(await server.gql(`mutation { registerUnit(input: { id: "GOV", kind: GOVERNMENT, name: "Chính phủ" }) { position } }`, {}, admin));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('media types', () => {
  it('Accept: application/graphql-response+json gets that type back, with its charset', async () => {
    const r = await post({ query: '{ me { id } }' }, GQL);
    expect(r).toMatchObject({ status: 200, type: `${GQL}; charset=utf-8`, body: { data: { me: { id: 'leader' } } } });
  });

  it('Accept: application/json gets application/json back', async () => {
    const r = await post({ query: '{ me { id } }' }, JSON_TYPE);
    expect(r).toMatchObject({ status: 200, type: `${JSON_TYPE}; charset=utf-8`, body: { data: { me: { id: 'leader' } } } });
  });

  it('the client\'s preference order decides between the two', async () => {
    expect((await post({ query: '{ me { id } }' }, `${JSON_TYPE}, ${GQL};q=0.9`)).type).toMatch(JSON_TYPE);
    expect((await post({ query: '{ me { id } }' }, `${JSON_TYPE};q=0.5, ${GQL}`)).type).toMatch(GQL);
    expect((await post({ query: '{ me { id } }' }, `${GQL}; charset=utf-8, ${JSON_TYPE}; charset=utf-8`)).type).toMatch(GQL);
  });

  it('no Accept header, or */*, is answered as application/graphql-response+json (the default since 2025)', async () => {
    expect((await post({ query: '{ me { id } }' }, null)).type).toMatch(GQL);
    expect((await post({ query: '{ me { id } }' }, '*/*')).type).toMatch(GQL);
    expect((await post({ query: '{ me { id } }' }, 'application/*')).type).toMatch(GQL);
  });

  it('an Accept header allowing neither type is refused with 406, before anything runs', async () => {
    for (const accept of ['text/html', 'application/xml', `${GQL};q=0, ${JSON_TYPE};q=0`]) {
      const r = await post({ query: '{ me { id } }' }, accept);
      expect({ status: r.status, reason: r.body.errors?.[0]?.extensions?.reason }).toEqual({ status: 406, reason: 'NOT_ACCEPTABLE' });
    }
  });

  it('a POST without a Content-Type is refused with a 4xx', async () => {
    const r = await request({ body: JSON.stringify({ query: '{ me { id } }' }), contentType: null });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it('"extensions": null and "variables": null are accepted', async () => {
    expect((await post({ query: '{ me { id } }', variables: null, extensions: null, operationName: null })).status).toBe(200);
  });
});

describe('GET', () => {
  it('runs a query from the URL', async () => {
    const r = await request({ search: { query: 'query Who($x: Boolean!) { me { id role @include(if: $x) } }', variables: JSON.stringify({ x: true }), operationName: 'Who' } });
    expect(r).toMatchObject({ status: 200, type: `${GQL}; charset=utf-8`, body: { data: { me: { id: 'leader', role: 'leader' } } } });
  });

  it('refuses a mutation with 405 and Allow: GET, POST, and runs nothing', async () => {
    const before = (await (await fetch(`${server.url}/health`)).json()) as { position: string };
    // As the admin, who may rename units: only the method stands in the way.
    const r = await request({ search: { query: 'mutation { renameUnit(input: { unitId: "GOV", name: "Đổi qua GET", reason: "x" }) { position } }' }, auth: await token({ id: 'admin', role: 'admin', unit: 'GOV' }) });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, POST');
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unit = ok(await server.gql<{ unit: { name: string } }>('{ unit(id: "GOV") { name } }', {}, leader));
    expect(unit.unit.name).toBe('Chính phủ');
    expect(((await (await fetch(`${server.url}/health`)).json()) as { position: string }).position).toBe(before.position);
  });

  it('refuses a mutation over HEAD too (fastify serves HEAD with the GET route), and runs nothing', async () => {
    const before = ((await (await fetch(`${server.url}/health`)).json()) as { position: string }).position;
    const r = await request({ method: 'HEAD', search: { query: 'mutation { renameUnit(input: { unitId: "GOV", name: "Đổi qua HEAD", reason: "x" }) { position } }' }, auth: await token({ id: 'admin', role: 'admin', unit: 'GOV' }) });
    expect(r.status).toBe(405);
    expect(ok(await server.gql<{ unit: { name: string } }>('{ unit(id: "GOV") { name } }', {}, leader)).unit.name).toBe('Chính phủ');
    expect(((await (await fetch(`${server.url}/health`)).json()) as { position: string }).position).toBe(before);
  });

  it('refuses a mutation picked by operationName from a document that also holds a query', async () => {
    const doc = 'query Q { me { id } } mutation M { renameUnit(input: { unitId: "GOV", name: "x", reason: "y" }) { position } }';
    expect((await request({ search: { query: doc, operationName: 'M' } })).status).toBe(405);
    expect((await request({ search: { query: doc, operationName: 'Q' } })).status).toBe(200);
  });

  it('refuses a mutation over GET with 405 whatever the Accept type', async () => {
    const r = await request({ accept: JSON_TYPE, search: { query: 'mutation { registerUnit(input: { id: "X", kind: MINISTRY, name: "X", parentId: "GOV" }) { position } }' } });
    expect(r.status).toBe(405);
  });

  it('an operation that cannot be determined is a request error, not a crash', async () => {
    const doc = 'query A { me { id } } query B { me { role } }';
    expect((await request({ search: { query: doc } })).status).toBe(400);
    expect((await request({ search: { query: doc, operationName: 'C' } })).status).toBe(400);
    expect((await request({ accept: JSON_TYPE, search: { query: doc, operationName: 'C' } })).status).toBe(200);
  });
});

describe('status codes', () => {
  const cases: [string, unknown, { [GQL]: number; [JSON_TYPE]: number }][] = [
    ['a document that does not parse', { query: '{ me {' }, { [GQL]: 400, [JSON_TYPE]: 200 }],
    ['a document that does not validate', { query: '{ nothing }' }, { [GQL]: 400, [JSON_TYPE]: 200 }],
    ['variables that do not coerce', { query: 'query ($n: Int) { tasks(first: $n) { totalCount } }', variables: { n: 'many' } }, { [GQL]: 400, [JSON_TYPE]: 200 }],
    ['an unknown operationName', { query: 'query A { me { id } }', operationName: 'B' }, { [GQL]: 400, [JSON_TYPE]: 200 }],
    ['a request that is not a GraphQL request (no query)', { qeury: '{ me { id } }' }, { [GQL]: 400, [JSON_TYPE]: 400 }],
    ['variables of the wrong shape', { query: '{ me { id } }', variables: [7] }, { [GQL]: 400, [JSON_TYPE]: 400 }],
  ];

  for (const [label, payload, expected] of cases) {
    for (const type of [GQL, JSON_TYPE] as const) {
      it(`${label}: ${expected[type]} with ${type}, no data entry`, async () => {
        const r = await post(payload, type);
        expect(r.status).toBe(expected[type]);
        expect(r.type).toMatch(type);
        expect(r.body.errors?.length).toBeGreaterThan(0);
        expect('data' in r.body).toBe(false);
      });
    }
  }

  it('a field error during execution (here FORBIDDEN) is 200 with a data entry (either type)', async () => {
    for (const type of [GQL, JSON_TYPE]) {
      const r = await post({ query: 'mutation { renameUnit(input: { unitId: "NOPE", name: "x", reason: "y" }) { position } }' }, type);
      expect(r.status).toBe(200);
      expect(r.body).toHaveProperty('data', null);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN'); // a leader does not rename units
    }
  });

  it('a missing token is 401 with WWW-Authenticate: Bearer; a bad one says invalid_token', async () => {
    const none = await request({ body: JSON.stringify({ query: '{ me { id } }' }), auth: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.type).toMatch(GQL);
    const bad = await request({ body: JSON.stringify({ query: '{ me { id } }' }), auth: 'not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});
