import { readFileSync } from 'node:fs';
import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GRAPHQL_RESPONSE_JSON as GQL, JSON_MEDIA as JSON_TYPE, LIMITS, negotiate, validationRules } from '../../src/api/hardening.js';

const schema = buildSchema(readFileSync(new URL('../../schemas/schema.graphql', import.meta.url), 'utf8'));

/** The messages of the errors the rules raise, thrown or reported. */
function check(query: string, production = false): string[] {
  try {
    return validate(schema, parse(query), [...specifiedRules, ...validationRules(production)]).map((e) => e.message);
  } catch (error) {
    return [(error as Error).message];
  }
}

describe('Accept negotiation (GraphQL-over-HTTP)', () => {
  it.each([
    [undefined, GQL],
    ['', GQL],
    ['*/*', GQL],
    ['application/*', GQL],
    [GQL, GQL],
    [JSON_TYPE, JSON_TYPE],
    [`${JSON_TYPE}; charset=utf-8`, JSON_TYPE],
    [`${GQL};charset=utf-8, ${JSON_TYPE};charset=utf-8`, GQL],
    [`${JSON_TYPE}, ${GQL}`, JSON_TYPE],
    [`${JSON_TYPE};q=0.5, ${GQL}`, GQL],
    [`${JSON_TYPE}, */*;q=0.1`, JSON_TYPE],
    [`text/html, ${JSON_TYPE};q=0.9`, JSON_TYPE],
    ['APPLICATION/JSON', JSON_TYPE],
    ['text/html', null],
    ['application/xml, text/*', null],
    [`${GQL};q=0, ${JSON_TYPE};q=0`, null],
    [`*/*;q=0`, null],
  ])('%s → %s', (accept, expected) => {
    expect(negotiate(accept)).toBe(expected);
  });
});

describe('validation rules', () => {
  it('leave ordinary queries alone', () => {
    expect(check('{ tasks(first: 20) { edges { node { id title lead { name } history(first: 5) { edges { node { at kind } } } } } } }')).toEqual([]);
  });

  it('exempt the standard introspection query in development, and refuse it in production', () => {
    expect(check(getIntrospectionQuery())).toEqual([]);
    expect(check(getIntrospectionQuery(), true).join()).toMatch(/introspection/i);
  });

  it('refuse by throwing at the start of the operation, without the "Syntax Error:" prefix', () => {
    const [message] = check(`{ unit(id: "x") { ${'parent { '.repeat(LIMITS.depth)}id${' }'.repeat(LIMITS.depth)} } }`);
    expect(message).toMatch(/^Query depth limit of \d+ exceeded/);
  });

  it('count historical reads: asOf fields of Query, compare twice, a variable asOf too', () => {
    const asOf = (n: number) => Array.from({ length: n }, (_, i) => `r${i}: programmeDashboard(asOf: $t) { asOf }`).join(' ');
    expect(check(`query ($t: DateTime) { ${asOf(LIMITS.replays)} }`)).toEqual([]);
    expect(check(`query ($t: DateTime) { ${asOf(LIMITS.replays + 1)} }`).join()).toMatch(/historical reads/);
    expect(check(`query ($t: DateTime!) { ${asOf(LIMITS.replays - 1)} compare(unitId: "GOV", from: $t, to: $t) { added { id } } }`).join()).toMatch(/historical reads/);
    expect(check(`{ ${Array.from({ length: 10 }, (_, i) => `r${i}: programmeDashboard(asOf: null) { asOf }`).join(' ')} }`)).toEqual([]);
  });
});
