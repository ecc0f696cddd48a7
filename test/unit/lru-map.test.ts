import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/shared/lru-map.js';

const filled = (n: number) => {
  const m = new LruMap<string, number>();
  for (let i = 0; i < n; i++) m.set(`k${i}`, i);
  return m;
};
const order = (m: LruMap<string, number>) => [...m.entries()].map(([k]) => k);

describe('LruMap: a hit marks its entry, eviction gives a marked entry a second chance', () => {
  it('given entries none of which was read, then the first placed is the one to evict', () => {
    expect(filled(3).leastRecentlyUsed()).toBe('k0');
    expect(new LruMap<string, number>().leastRecentlyUsed()).toBeUndefined();
  });

  it('given reads, then the Map keeps its order until an eviction is asked for (no delete and set per read)', () => {
    const m = filled(4);
    for (let i = 0; i < 5; i++) expect(m.get('k0')).toBe(0);
    expect(m.get('k1')).toBe(1);
    expect(order(m)).toEqual(['k0', 'k1', 'k2', 'k3']);
  });

  it('given the first entries read, when one is evicted, then it is the first not read, and those read go last', () => {
    const m = filled(4);
    m.get('k0');
    m.get('k1');
    const victim = m.leastRecentlyUsed()!;
    expect(victim).toBe('k2');
    m.delete(victim);
    expect(order(m)).toEqual(['k3', 'k0', 'k1']);
    // Their mark was spent: unless read again, they go in turn after k3.
    m.delete(m.leastRecentlyUsed()!);
    expect(m.leastRecentlyUsed()).toBe('k0');
  });

  it('given every entry read, then the first placed goes (each had its second chance)', () => {
    const m = filled(3);
    for (const k of ['k2', 'k0', 'k1']) m.get(k);
    expect(m.leastRecentlyUsed()).toBe('k0');
    expect(m.size).toBe(3);
  });

  it('set on a key it holds changes the value and marks it; peek reads without marking', () => {
    const m = filled(3);
    expect(m.peek('k0')).toBe(0);
    expect(m.leastRecentlyUsed()).toBe('k0');
    m.set('k0', 100);
    expect(m.size).toBe(3);
    expect(m.leastRecentlyUsed()).toBe('k1');
    expect(m.peek('k0')).toBe(100);
  });

  it('delete and clear remove entries; entries() may delete the one it is at', () => {
    const m = filled(5);
    expect(m.delete('k2')).toBe(true);
    expect(m.delete('k2')).toBe(false);
    for (const [k, v] of m.entries()) if (v % 2 === 1) m.delete(k);
    expect([...m.entries()]).toEqual([['k0', 0], ['k4', 4]]);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get('k0')).toBeUndefined();
  });
});
