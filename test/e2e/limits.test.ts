import { readFileSync } from 'node:fs';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/api/hardening.js';
import { TestServer, ok, token } from '../support/server.js';

/**
 * Hostile documents and bodies are refused before they cost anything, each with a code and a
 * reason, and the server stays up through all of them. Each limit is shown from both sides:
 * just inside passes, just outside is refused.
 */
let server: TestServer;
let leader: string;

interface Refusal { status: number; code?: string; reason?: string; message: string }

async function post(body: unknown, bearer = leader): Promise<Refusal & { data?: unknown }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
  const e = json.errors?.[0];
  return { status: res.status, code: e?.extensions?.code, reason: e?.extensions?.reason, message: e?.message ?? '', data: json.data };
}
const query = (q: string, variables?: Record<string, unknown>) => post({ query: q, ...(variables ? { variables } : {}) });
const passes = (r: Refusal & { data?: unknown }) => expect({ status: r.status, message: r.message, data: !!r.data }).toEqual({ status: 200, message: '', data: true });

/** `{ unit(id: "GOV") { parent { parent { … id … } } } }` with `depth` levels in all. */
const nested = (depth: number) => `{ unit(id: "GOV") { ${'parent { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;

beforeAll(async () => {
  server = await TestServer.start({ NODE_ENV: 'development' });
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  ok(await server.gql(`mutation { registerUnit(input: { id: "GOV", kind: GOVERNMENT, name: "Chính phủ" }) { position } }`, {}, admin));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('query limits', () => {
  it(`depth: ${LIMITS.depth} levels pass, one more is refused`, async () => {
    passes(await query(nested(LIMITS.depth)));
    expect(await query(nested(LIMITS.depth + 1))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' });
  });

  it('cost: a page of tasks passes; nested pages of pages are refused', async () => {
    passes(await query(`{ tasks(first: 100) { edges { node { id title status deadline lead { id name } coordinators { id } } } } }`));
    const r = await query(`{ tasks(first: 100) { edges { node { history(first: 100) { edges { node { at kind } } } } } } }`);
    expect(r).toMatchObject({ status: 400, code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' });
    expect(r.message).toMatch(/cost/i);
  });

  it('cost with variables: `first: $n` is costed with n, as a literal is (issue 16)', async () => {
    const page = `query Page($n: Int) { tasks(first: $n) { edges { node { id title } } } }`;
    const refusedAsCostly = { status: 400, code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' };
    expect(await query(page, { n: 10_000 })).toMatchObject(refusedAsCostly);
    expect(await query(`{ tasks(first: 10000) { edges { node { id title } } } }`)).toMatchObject(refusedAsCostly);
    // A default value counts as a given one; a second request with the same (cached) document is costed again.
    expect(await query(`query Page($n: Int = 10000) { tasks(first: $n) { edges { node { id title } } } }`)).toMatchObject(refusedAsCostly);
    passes(await query(page, { n: 5 }));
    expect(await query(page, { n: 10_000 })).toMatchObject(refusedAsCostly);
    // Pages of pages, each within the page size (100), are refused by the cost alone — as with literals above.
    const nestedPages = `query Nested($n: Int, $m: Int) { tasks(first: $n) { edges { node { history(first: $m) { edges { node { at kind } } } } } } }`;
    const r = await query(nestedPages, { n: 100, m: 100 });
    expect(r).toMatchObject(refusedAsCostly);
    expect(r.message).toMatch(/cost/i);
    passes(await query(nestedPages, { n: 10, m: 5 }));
    // Through a fragment, and over GET.
    expect(await query(`query ($n: Int) { ...P } fragment P on Query { tasks(first: $n) { edges { node { id title } } } }`, { n: 10_000 }))
      .toMatchObject(refusedAsCostly);
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent(page)}&variables=${encodeURIComponent(JSON.stringify({ n: 10_000 }))}`,
      { headers: { authorization: `Bearer ${leader}` } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: { extensions: { reason: string } }[] }).errors[0]!.extensions.reason).toBe('QUERY_TOO_COSTLY');
  });

  it(`aliases: ${LIMITS.aliases} pass, one more is refused`, async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    passes(await query(aliased(LIMITS.aliases)));
    expect(await query(aliased(LIMITS.aliases + 1))).toMatchObject({ status: 400, reason: 'TOO_MANY_ALIASES' });
  });

  it(`directives: ${LIMITS.directives} pass, one more is refused`, async () => {
    const directed = (n: number) => `{ me { ${Array.from({ length: n }, (_, i) => `f${i}: id @include(if: true)`).join(' ')} } }`;
    passes(await query(directed(LIMITS.directives)));
    expect(await query(directed(LIMITS.directives + 1))).toMatchObject({ status: 400, reason: 'TOO_MANY_DIRECTIVES' });
  });

  it(`historical reads: ${LIMITS.replays} asOf reads pass, more are refused (compare counts two)`, async () => {
    const at = (i: number) => `2026-0${1 + i}-01T00:00:00Z`;
    const reads = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `p${i}: programmeDashboard(asOf: "${at(i)}") { asOf }`).join(' ')} }`;
    passes(await query(reads(LIMITS.replays)));
    expect(await query(reads(LIMITS.replays + 1))).toMatchObject({ status: 400, reason: 'TOO_MANY_REPLAYS' });
    const withCompare = `{ ${reads(LIMITS.replays - 1).slice(1, -1)} compare(unitId: "GOV", from: "${at(0)}", to: "${at(1)}") { added { id } } }`;
    expect(await query(withCompare)).toMatchObject({ status: 400, reason: 'TOO_MANY_REPLAYS' });
  });

  it('a document of too many tokens is refused by the parser', async () => {
    const r = await query(`{ ${'__typename '.repeat(LIMITS.tokens)} }`);
    expect(r).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(r.message).toMatch(/tokens/);
  });

  it('a body over the limit is refused with 413, without being read', async () => {
    const big = JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(LIMITS.bodyLimit) } });
    expect(await post(big)).toMatchObject({ status: 413, code: 'BAD_USER_INPUT' });
  });

  it('batched queries (a JSON array) are refused', async () => {
    const r = await post([{ query: '{ me { id } }' }, { query: '{ me { role } }' }]);
    expect(r).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(r.data).toBeUndefined();
  });

  it('malformed JSON is refused with 400', async () => {
    expect(await post('{"query": "{ me { id } ')).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  });

  it('no error carries a stack trace or an internal message', async () => {
    for (const body of ['{"query": ', JSON.stringify({ query: nested(40) }), JSON.stringify({ query: '{ task(id: 1) { id } }', variables: [] })]) {
      const text = await (await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${leader}` }, body })).text();
      expect(text).not.toMatch(/\bat .*:\d+:\d+|node_modules|\.ts:\d+|stack/);
    }
  });
});

describe('development tools keep working under the limits', () => {
  it('the standard introspection query (what GraphiQL sends) is answered, though nested deeper than the limit', async () => {
    const introspection = getIntrospectionQuery();
    const r = await query(introspection);
    passes(r);
    expect((r.data as { __schema: { queryType: { name: string } } }).__schema.queryType.name).toBe('Query');
    // It is deeper than the depth limit: only the introspection exemption lets it through.
    let depth = 0;
    const schema = buildSchema(readFileSync(new URL('../../schemas/schema.graphql', import.meta.url), 'utf8'));
    validate(schema, parse(introspection), [maxDepthRule({ n: 1_000, ignoreIntrospection: false, onAccept: [(_, d: { n: number }) => (depth = d.n)] }) as never]);
    expect(depth).toBeGreaterThan(LIMITS.depth);
  });

  it('introspection does not open a way around the limits for the rest of a document', async () => {
    expect(await query(`{ __schema { queryType { name } } ${nested(LIMITS.depth + 1).slice(1, -1)} }`)).toMatchObject({ status: 400, reason: 'QUERY_TOO_DEEP' });
  });

  it('GraphiQL is served in development', async () => {
    const res = await fetch(`${server.url}/graphiql`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/GraphiQL/);
  });
});

describe('the server stays up', () => {
  it('answers /health with 200 and still serves queries after every refusal above', async () => {
    expect(server.alive).toBe(true);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    passes(await query('{ me { id } }'));
  });
});
