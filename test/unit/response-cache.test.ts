import { describe, expect, it } from 'vitest';
import { ResponseCache } from '../../src/api/response-cache.js';

/** The store behind the query cache (src/api/response-cache.ts): byte bound, LRU order, position, TTL. */
const answer = (bytes: number) => ({ body: Buffer.alloc(bytes, 'x'), contentType: 'application/json', operation: { name: null, type: 'query' } });

function cacheOf(maxBytes: number, ttlMs = 60_000) {
  const evicted: number[] = [];
  const cache = new ResponseCache({ ttlMs, maxBytes, onEvict: (n) => evicted.push(n) });
  return { cache, evicted };
}

describe('ResponseCache', () => {
  it('stays within its byte bound, the least recently used out first', () => {
    const { cache, evicted } = cacheOf(10_000);
    for (const k of ['a', 'b', 'c']) cache.set(k, '7', 0, answer(2000));
    expect(cache.size).toBe(3);
    expect(cache.get('a', '7', 1)).toBeDefined(); // a is now the most recently used: b goes first
    for (const k of ['d', 'e']) cache.set(k, '7', 0, answer(2000));
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(evicted.reduce((s, n) => s + n, 0)).toBe(1);
    expect(cache.get('b', '7', 1)).toBeUndefined();
    for (const k of ['a', 'c', 'd', 'e']) expect(cache.get(k, '7', 1)?.body.length).toBe(2000);
  });

  it('counts what it holds and gives it back when entries go', () => {
    const { cache } = cacheOf(1_000_000);
    cache.set('a', '1', 0, answer(5000));
    const one = cache.bytes;
    expect(one).toBeGreaterThanOrEqual(5000);
    cache.set('a', '1', 0, answer(100)); // replaced, not added
    expect(cache.bytes).toBeLessThan(one);
    expect(cache.size).toBe(1);
    expect(cache.get('a', '2', 0)).toBeUndefined(); // the read model moved: everything goes
    expect(cache.bytes).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('does not keep an answer larger than a quarter of the bound', () => {
    const { cache } = cacheOf(10_000);
    cache.set('small', '1', 0, answer(1000));
    cache.set('huge', '1', 0, answer(3000));
    expect(cache.get('huge', '1', 0)).toBeUndefined();
    expect(cache.get('small', '1', 0)).toBeDefined();
  });

  it('serves an entry for at most ttlMs after it was computed, and only at its position', () => {
    const { cache } = cacheOf(100_000, 2000);
    cache.set('a', '5', 1000, answer(10));
    expect(cache.get('a', '5', 3000)).toBeDefined();
    expect(cache.get('a', '5', 3001)).toBeUndefined();
    expect(cache.bytes).toBe(0);
    cache.set('a', '5', 5000, answer(10));
    expect(cache.get('a', '6', 5000)).toBeUndefined();
    expect(cache.get('a', '5', 5000)).toBeUndefined(); // gone, not back with an older position
  });
});

describe('lasting answers (a task page, answer-scope.ts)', () => {
  const lasting = { tasks: ['A'], until: 10_000 };

  it('outlive a move of the read model while their tasks did not change, and go when they did or when `until` comes', () => {
    const { cache } = cacheOf(100_000);
    cache.set('page', '5', 0, answer(10), lasting);
    cache.set('other', '5', 0, answer(10));
    const asked: [readonly string[], string | null][] = [];
    const unchanged = (tasks: readonly string[], since: string | null) => (asked.push([tasks, since]), true);
    expect(cache.get('page', '6', 1, unchanged)).toBeDefined();
    expect(asked).toEqual([[['A'], '5']]);
    expect(cache.get('other', '6', 1, unchanged)).toBeUndefined(); // momentary: gone with the move
    expect(cache.get('page', '6', 10_000, unchanged)).toBeUndefined(); // the date changed
    cache.set('page', '6', 0, answer(10), lasting);
    expect(cache.get('page', '7', 1, () => false)).toBeUndefined(); // its task changed
    expect(cache.get('page', '7', 1, unchanged)).toBeUndefined(); // and is not back
    expect(cache.bytes).toBe(0);
  });

  it('gives the recipes of stale pages that were served from it, at most `max`, and drops every stale one it meets', () => {
    const { cache } = cacheOf(100_000);
    const changed = new Set(['A', 'B', 'C']);
    const stillTrue = (tasks: readonly string[]) => !tasks.some((t) => changed.has(t));
    for (const id of ['A', 'B', 'C', 'D']) cache.set(id, '5', 0, answer(10), { tasks: [id], until: 10_000, recipe: `ask ${id}` });
    cache.set('E', '5', 0, answer(10), { tasks: ['A'], until: 10_000 }); // kept without a recipe
    for (const id of ['A', 'C', 'D', 'E']) expect(cache.get(id, '5', 1, stillTrue)).toBeDefined(); // B is never served again
    expect(cache.staleLasting('5', 1, stillTrue, 10)).toEqual([]); // nothing moved: nothing is stale
    expect(cache.staleLasting('6', 1, stillTrue, 1)).toEqual(['ask A']);
    expect(cache.size).toBe(4); // A (met first: pages are met in the order they were kept) dropped; B, C, D, E not looked at yet
    expect(cache.staleLasting('6', 1, stillTrue, 10)).toEqual(['ask C']); // E dropped too: no recipe
    expect(cache.size).toBe(1);
    expect(cache.get('D', '6', 1, stillTrue)).toBeDefined(); // D did not change
    expect(cache.staleLasting('6', 10_000, stillTrue, 10)).toEqual([]); // the date changed: D goes, not asked again
    expect(cache.bytes).toBe(0);
  });

  it('counts a page asked afresh (no-cache) as read; a refreshed page keeps half its reads, so one not read again drops out', () => {
    const { cache } = cacheOf(100_000);
    let changedAfter = '5';
    const stillTrue = (_: readonly string[], since: string | null) => since !== null && since >= changedAfter;
    const page = (refreshed?: boolean) => ({ tasks: ['A'], until: 10_000, recipe: 'ask A', ...(refreshed ? { refreshed } : {}) });
    cache.set('A', '5', 0, answer(10), page());
    cache.set('A', '5', 0, answer(10), page()); // asked again with Cache-Control: no-cache: 1 read
    for (let i = 0; i < 3; i++) cache.get('A', '5', 1, stillTrue); // 4 reads
    const rounds: number[] = [];
    for (let p = 6; p < 12; p++) {
      changedAfter = String(p); // a write to A: the page is stale at p
      const asked = cache.staleLasting(String(p), 1, stillTrue, 10);
      if (asked.length === 0) break;
      rounds.push(p);
      cache.set('A', String(p), 0, answer(10), page(true)); // the refresh's answer, not read by anyone
    }
    expect(rounds).toEqual([6, 7, 8]); // 4 → 2 → 1 → 0 reads kept: refreshed three times, then left to the next reader
  });

  it('are evicted after the momentary answers', () => {
    const { cache, evicted } = cacheOf(4.5 * (1000 + 2 * 2 + 160));
    cache.set('pg', '1', 0, answer(1000), lasting);
    for (const k of ['m1', 'm2', 'm3']) cache.set(k, '1', 0, answer(1000));
    expect(evicted).toEqual([]);
    cache.set('m4', '1', 0, answer(1000)); // over the bound: the oldest momentary answer goes, not the older page
    expect(evicted).toEqual([1]);
    expect(cache.get('m1', '1', 1)).toBeUndefined();
    expect(cache.get('pg', '1', 1)).toBeDefined();
  });

  it('keep the answer just placed when every other one was read since the last eviction', () => {
    const { cache, evicted } = cacheOf(4.5 * (1000 + 2 * 2 + 160));
    for (const k of ['p1', 'p2', 'p3', 'p4']) cache.set(k, '1', 0, answer(1000), lasting);
    for (const k of ['p1', 'p2', 'p3', 'p4']) expect(cache.get(k, '1', 1)).toBeDefined();
    cache.set('p5', '1', 0, answer(1000), lasting); // all read: the first one goes after its second chance, not p5
    expect(evicted).toEqual([1]);
    expect(cache.get('p5', '1', 1)?.body.length).toBe(1000);
    expect(cache.get('p1', '1', 1)).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(4.5 * (1000 + 2 * 2 + 160));
  });

  it('are not pushed out by a momentary answer: it is not kept when only pages fill the bound', () => {
    const { cache, evicted } = cacheOf(4.5 * (1000 + 2 * 2 + 160));
    for (const k of ['p1', 'p2', 'p3', 'p4']) cache.set(k, '1', 0, answer(1000), lasting);
    cache.set('m1', '1', 0, answer(1000));
    expect(evicted).toEqual([]);
    expect(cache.get('m1', '1', 1)).toBeUndefined();
    for (const k of ['p1', 'p2', 'p3', 'p4']) expect(cache.get(k, '1', 1)).toBeDefined();
  });
});
