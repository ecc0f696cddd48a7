/**
 * A Map that evicts about the least recently used entry first, for caches read far more often than
 * written (the tokens verified, the response cache, the folded states of streams).
 *
 * The usual LRU moves an entry to the end of a Map on every hit: a delete and a set. On a Map that
 * lives long, V8 allocates the new hash tables those call for in the old generation, and the set
 * keeps the caller's copy of the key: old-generation garbage on every hit, which only a major
 * collection frees — and those collections were the server's latency tail at a fixed rate
 * (bench/README.md, session 11). So a hit here only marks its entry as used (CLOCK, or "second
 * chance"): the Map changes when an entry is evicted, where an entry used since it was placed is
 * placed last again instead of going.
 */
interface Slot<K, V> { key: K; value: V; used: boolean }

export class LruMap<K, V> {
  private readonly map = new Map<K, Slot<K, V>>();

  get size(): number {
    return this.map.size;
  }

  /** The value, marked as used. */
  get(key: K): V | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    slot.used = true;
    return slot.value;
  }

  /** The value, not marked as used. */
  peek(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  /** Keeps `value` under `key`: a new key is placed last; a key held keeps its place and is marked as used. */
  set(key: K, value: V): void {
    const slot = this.map.get(key);
    if (slot) {
      slot.value = value;
      slot.used = true;
    } else {
      this.map.set(key, { key, value, used: false });
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /**
   * The key to evict: the first in order not used since it was placed. Those met on the way were used:
   * each is placed last, unmarked (its second chance). Undefined when empty. Ask before placing a new
   * key, not after: when every other entry was used since the last eviction, the key just placed is
   * the first one not used (its callers, tokens.ts, run-command.ts and response-cache.ts, make room first).
   */
  leastRecentlyUsed(): K | undefined {
    // Terminates: every entry met is unmarked, so the loop stops at the latest when it meets the first one again.
    for (const slot of this.map.values()) {
      if (!slot.used) return slot.key;
      slot.used = false;
      this.map.delete(slot.key);
      this.map.set(slot.key, slot);
    }
    return undefined;
  }

  /** In the order of placement (deleting the entry met is allowed while iterating). */
  *entries(): IterableIterator<[K, V]> {
    for (const slot of this.map.values()) yield [slot.key, slot.value];
  }
}
