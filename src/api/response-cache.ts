/**
 * The store behind the GraphQL response micro-cache (query-cache.ts): serialized answers by key,
 * each valid while the read model stays at the position it was computed at and for at most `ttlMs`
 * after. Least recently used first out when the entries' bytes pass `maxBytes`.
 *
 * Every call names the read model's current position. Positions only move forward, so when it
 * differs from the one the entries were computed at, none of them can be served again: they are
 * all dropped at once (not counted as evictions) rather than left to age out of the LRU. The
 * exception is an answer about tasks (answer-scope.ts): kept while its tasks did not change.
 */
import { LruMap } from '../shared/lru-map.js';

export interface CachedResponse {
  body: Buffer;
  contentType: string;
  /** The operation's name and type, for the request metrics of a hit. */
  operation: { name: string | null; type: string };
}

interface Entry extends CachedResponse { at: number; bytes: number }

/** An answer that outlives a move of the read model: valid while `stillTrue` says its tasks did not change, until `until`. */
interface LastingEntry extends Entry {
  position: string | null; tasks: readonly string[]; until: number;
  /** How to ask it again (page-refresh.ts), and how often it was served from here. */
  recipe: unknown; hits: number;
}

/** What makes an answer last: the tasks it is about, the instant it stops being true, how it was asked (and whether by a refresh). */
export interface Lasting { tasks: readonly string[]; until: number; recipe?: unknown; refreshed?: boolean }

/** Whether none of `tasks` changed after `since` (TaskChanges.unchangedSince). */
export type StillTrue = (tasks: readonly string[], since: string | null) => boolean;

/** What a Map entry and its key cost beyond the key's characters and the body's bytes (a rough figure). */
const ENTRY_OVERHEAD = 160;

export class ResponseCache {
  /** Answers valid at one position only: all dropped when the read model moves. */
  private readonly entries = new LruMap<string, Entry>();
  /** Answers about tasks (answer-scope.ts), kept across moves that did not touch them. */
  private readonly lasting = new LruMap<string, LastingEntry>();
  private position: string | null | undefined;
  /** The hits of the stale pages handed out by staleLasting, until their refreshed answers come back. */
  private readonly refreshing = new Map<string, number>();
  /** The bytes of each map's entries. */
  private momentaryBytes = 0;
  private lastingBytes = 0;

  constructor(private readonly opts: { ttlMs: number; maxBytes: number; onEvict?: (n: number) => void }) {}

  get bytes(): number {
    return this.momentaryBytes + this.lastingBytes;
  }

  get size(): number {
    return this.entries.size + this.lasting.size;
  }

  /**
   * The answer for `key` computed at `position` no longer ago than the TTL, or a lasting answer
   * computed earlier that `stillTrue` confirms and whose `until` has not come; else undefined.
   */
  get(key: string, position: string | null, now: number, stillTrue?: StillTrue): CachedResponse | undefined {
    this.at(position);
    const entry = this.entries.get(key);
    if (entry) {
      if (now - entry.at <= this.opts.ttlMs) return entry;
      this.drop(this.entries, key);
      return undefined;
    }
    const kept = this.lasting.get(key);
    if (!kept) return undefined;
    if (now >= kept.until || (kept.position !== position && !stillTrue?.(kept.tasks, kept.position))) {
      this.drop(this.lasting, key);
      return undefined;
    }
    kept.hits++;
    return kept;
  }

  /**
   * The lasting answers that can no longer be served (their tasks changed) but were served from here
   * at least once, as their recipes, at most `max`; every stale one met on the way is dropped.
   */
  staleLasting(position: string | null, now: number, stillTrue: StillTrue, max: number): unknown[] {
    this.at(position);
    // The previous batch has been asked by now: what it did not bring back (a refused one) is forgotten.
    this.refreshing.clear();
    const recipes: unknown[] = [];
    for (const [key, kept] of this.lasting.entries()) {
      if (recipes.length >= max) break;
      if (kept.position === position || (now < kept.until && stillTrue(kept.tasks, kept.position))) continue;
      this.drop(this.lasting, key);
      if (kept.hits > 0 && kept.recipe !== undefined && now < kept.until) {
        recipes.push(kept.recipe);
        this.refreshing.set(key, kept.hits);
      }
    }
    return recipes;
  }

  /**
   * Keeps an answer computed at `at` (ms) with the read model at `position` (the current one).
   * `lasting`: an answer about these tasks only, true until `until` (ms) unless they change, and how it was asked.
   */
  set(key: string, position: string | null, at: number, response: CachedResponse, lasting?: Lasting): void {
    this.at(position);
    const bytes = response.body.byteLength + 2 * key.length + ENTRY_OVERHEAD;
    // A page asked afresh (Cache-Control: no-cache) is still one that is read: it keeps its hits and
    // counts one more. A refresh keeps half of what the stale page had: a page read often stays warm
    // through a few bursts of writes without a read in between, one never read again soon drops out.
    const hits = !lasting ? 0
      : lasting.refreshed ? (this.refreshing.get(key) ?? 0) >> 1
      : (this.lasting.peek(key)?.hits ?? -1) + 1;
    if (lasting?.refreshed) this.refreshing.delete(key);
    this.drop(this.entries, key);
    this.drop(this.lasting, key);
    // One answer larger than a quarter of the bound would push out most of the others: not kept.
    if (bytes > this.opts.maxBytes / 4) return;
    // Room is made before the answer is placed: with LruMap (CLOCK), when every other entry was used
    // since the last eviction, the one just placed is the first not used, and would go at once.
    // The momentary answers go first: they are lost at the next event anyway; a momentary answer
    // never pushes out a lasting one (it is not kept when only lasting ones fill the bound).
    const evicted = this.makeRoom(bytes, lasting ? [this.entries, this.lasting] : [this.entries]);
    if (evicted) this.opts.onEvict?.(evicted);
    if (this.bytes + bytes > this.opts.maxBytes) return;
    if (lasting) {
      this.lasting.set(key, { ...response, at, bytes, position, tasks: lasting.tasks, until: lasting.until, recipe: lasting.recipe, hits });
      this.lastingBytes += bytes;
    } else {
      this.entries.set(key, { ...response, at, bytes });
      this.momentaryBytes += bytes;
    }
  }

  /** Evicts from `maps`, in turn, least recently used first, until `bytes` more fit; how many went. */
  private makeRoom(bytes: number, maps: LruMap<string, Entry>[]): number {
    let evicted = 0;
    for (const map of maps) {
      while (this.bytes + bytes > this.opts.maxBytes) {
        const oldest = map.leastRecentlyUsed();
        if (oldest === undefined) break;
        this.drop(map, oldest);
        evicted++;
      }
    }
    return evicted;
  }

  /** Removes `key` from `map`, and its bytes from that map's count. */
  private drop(map: LruMap<string, Entry>, key: string): void {
    const old = map.peek(key);
    if (!old) return;
    map.delete(key);
    if (map === this.entries) this.momentaryBytes -= old.bytes;
    else this.lastingBytes -= old.bytes;
  }

  private at(position: string | null): void {
    if (position === this.position) return;
    this.position = position;
    this.entries.clear();
    this.momentaryBytes = 0;
  }
}
