import { existsSync, readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';

const read = (p: URL) => readFileSync(p, 'utf8');
const contractCopy = new URL('../../schemas/contract.graphql', import.meta.url);
const shared = new URL('../../../shared/contract.graphql', import.meta.url);
const ours = new URL('../../schemas/schema.graphql', import.meta.url);

describe('the public GraphQL schema', () => {
  it('keeps every part of the contract: findBreakingChanges(contract, schema) reports nothing', () => {
    const changes = findBreakingChanges(buildSchema(read(contractCopy)), buildSchema(read(ours)));
    expect(changes).toEqual([]);
  });

  it('would report a removed contract field (the check can fail)', () => {
    const broken = read(ours).replace('onTimeRate: Float    # completed on time / completed, 0..1; null when none completed', '');
    expect(broken).not.toBe(read(ours));
    expect(findBreakingChanges(buildSchema(read(contractCopy)), buildSchema(broken)).length).toBeGreaterThan(0);
  });

  it.runIf(existsSync(shared))('carries an exact copy of ../shared/contract.graphql (runs only where ../shared is beside the repository)', () => {
    expect(read(contractCopy)).toBe(read(shared));
  });
});
