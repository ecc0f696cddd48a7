/**
 * The store behind the GraphQL response micro-cache (query-cache.ts): serialized answers by key,
 * each valid while the read model stays at the position it was computed at and for at most `ttlMs`
 * after. Least recently used first out when the entries' bytes pass `maxBytes`.
 *
 * Every call names the read model's current position. Positions only move forward, so when it
 * differs from the one the entries were computed at, none of them can be served again: they are
 * all dropped at once (not counted as evictions) rather than left to age out of the LRU.
 */
export interface CachedResponse {
  body: Buffer;
  contentType: string;
  /** The operation's name and type, for the request metrics of a hit. */
  operation: { name: string | null; type: string };
}

interface Entry extends CachedResponse { at: number; bytes: number }

/** What a Map entry and its key cost beyond the key's characters and the body's bytes (a rough figure). */
const ENTRY_OVERHEAD = 160;

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private position: string | null | undefined;
  bytes = 0;

  constructor(private readonly opts: { ttlMs: number; maxBytes: number; onEvict?: (n: number) => void }) {}

  get size(): number {
    return this.entries.size;
  }

  /** The answer for `key` computed at `position` no longer ago than the TTL, or undefined. */
  get(key: string, position: string | null, now: number): CachedResponse | undefined {
    this.at(position);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (now - entry.at > this.opts.ttlMs) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used last
    return entry;
  }

  /** Keeps an answer computed at `at` (ms) with the read model at `position` (the current one). */
  set(key: string, position: string | null, at: number, response: CachedResponse): void {
    this.at(position);
    const bytes = response.body.byteLength + 2 * key.length + ENTRY_OVERHEAD;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    // One answer larger than a quarter of the bound would push out most of the others: not kept.
    if (bytes > this.opts.maxBytes / 4) return;
    this.entries.set(key, { ...response, at, bytes });
    this.bytes += bytes;
    let evicted = 0;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.opts.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
      evicted++;
    }
    if (evicted) this.opts.onEvict?.(evicted);
  }

  private at(position: string | null): void {
    if (position === this.position) return;
    this.position = position;
    this.entries.clear();
    this.bytes = 0;
  }
}
