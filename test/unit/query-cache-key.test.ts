import { describe, expect, it } from 'vitest';
import { canonical } from '../../src/api/query-cache.js';

/** The response cache's key text (src/api/query-cache.ts): canonical JSON of actor and variables. */
describe('canonical', () => {
  it('gives the same text for the same value in any key order, and different texts for different values', () => {
    expect(canonical({ b: 1, a: { d: [1, { y: 2, x: null }], c: 'é' } })).toBe(canonical({ a: { c: 'é', d: [1, { x: null, y: 2 }] }, b: 1 }));
    expect(canonical({ a: [1, 2] })).not.toBe(canonical({ a: [2, 1] }));
    expect(canonical({ a: '1' })).not.toBe(canonical({ a: 1 }));
    expect(canonical(['x\u0000', 'y'])).not.toBe(canonical(['x', '\u0000y']));
    expect(JSON.parse(canonical({ id: 'u', role: 'leader', unit: 'GOV' })!)).toEqual({ id: 'u', role: 'leader', unit: 'GOV' });
  });

  it('gives no key for values nested deeper than it walks (no stack overflow on hostile variables)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(canonical({ v: deep })).toBeUndefined();
    let ok: unknown = 1;
    for (let i = 0; i < 20; i++) ok = { x: ok };
    expect(canonical(ok)).toBeDefined();
  });
});
