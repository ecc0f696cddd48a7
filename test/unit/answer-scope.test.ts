import { readFileSync } from 'node:fs';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { taskPageScope } from '../../src/api/answer-scope.js';

/** Which answers the response cache may keep across writes to other tasks (src/api/answer-scope.ts). */
const schema = buildSchema(readFileSync(new URL('../../schemas/schema.graphql', import.meta.url), 'utf8'));
const scope = (query: string, variables: unknown = {}, operationName?: string) => taskPageScope(schema, parse(query), operationName, variables);

const CARD = 'id title deadline status progress version lead { id name } indicators { code target actual }';
const HISTORY = 'history(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { at kind actor { id role unit { name } } changes { field from to } reason basis { kind ref } } } }';

describe('a task page: the answer depends on the task (and those below it), the units and the date', () => {
  it.each([
    ['the bench\'s page, by variable', `query ($id: ID!) { task(id: $id) { ${CARD} ${HISTORY} } }`, { id: 'T-1' }, ['T-1']],
    ['a literal id', `{ task(id: "T-2") { id __typename } }`, {}, ['T-2']],
    ['two tasks under aliases', '{ a: task(id: "A") { id } b: task(id: "B") { status } }', {}, ['A', 'B']],
    ['a fragment and an inline fragment', 'query { task(id: "F") { ...card ... on Task { phase } } } fragment card on Task { id lead { name } }', {}, ['F']],
  ])('%s', (_, query, variables, tasks) => {
    expect(scope(query, variables)).toEqual(tasks);
  });

  it.each([
    ['another task (its parent)', '{ task(id: "A") { id parent { id } } }'],
    ['tasks below it listed', '{ task(id: "A") { children { id } } }'],
    ['what a basis points at', '{ task(id: "A") { basis { obstacle { id } } } }'],
    ['a replay', '{ task(id: "A", asOf: "2025-01-01T00:00:00Z") { id } }'],
    ['another root field beside it', '{ task(id: "A") { id } unitProgress(unitId: "GOV") { totalTasks } }'],
    ['a list of tasks', '{ tasks { edges { node { id } } } }'],
    ['an id that is not a string', 'query ($id: ID!) { task(id: $id) { id } }'],
    ['a fragment on another type', '{ task(id: "A") { lead { ...u } } } fragment u on Task { id }'],
    ['a mutation', 'mutation { reportProgress(input: { taskId: "A", percent: 1, note: "x" }) { position } }'],
  ])('not: %s', (_, query) => {
    expect(scope(query, { id: 7 })).toBeNull();
  });

  it('reads the operation asked for', () => {
    const doc = 'query Page { task(id: "A") { id } } query List { tasks { totalCount } }';
    expect(scope(doc, {}, 'Page')).toEqual(['A']);
    expect(scope(doc, {}, 'List')).toBeNull();
  });
});
