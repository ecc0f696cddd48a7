import type Database from 'better-sqlite3';
import { type Anchor, macMatches } from './anchor.js';
import type { AnchorLine } from './file.js';

/** An anchor the store does not agree with, or a line of the file that is not an anchor. */
export interface AnchorProblem { line: number; anchor: Anchor | null; reason: string }

export interface AnchorCheck {
  problems: AnchorProblem[];
  /** Anchors that matched. */
  matched: number;
  /** The last anchor of the file that matched. */
  latest: { line: number; anchor: Anchor } | null;
}

/**
 * Checks each anchor against the store: its HMAC under `key`, and that the store holds an event at
 * its position with its hash. With the hash chain intact (verify.ts), a matching head hash means
 * every event up to it is the one anchored; a missing one means events were cut off or removed.
 */
export function checkAnchors(db: Database.Database, lines: AnchorLine[], key: Uint8Array): AnchorCheck {
  const at = db.prepare<[number], { hash: string | null }>('SELECT hash FROM events WHERE position = ?');
  const end = db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events').get()?.position ?? 0;
  const result: AnchorCheck = { problems: [], matched: 0, latest: null };
  for (const l of lines) {
    if ('problem' in l) {
      result.problems.push({ line: l.line, anchor: null, reason: l.problem });
      continue;
    }
    const a = l.anchor;
    const reason = !macMatches(key, a)
      ? 'its HMAC does not match: the anchor was changed, or it was signed with another key'
      : a.position > end
        ? `the store ends at position ${end}, before the anchored position: events were cut off the end`
        : checkHash(at.get(a.position)?.hash, a.hash);
    if (reason) result.problems.push({ line: l.line, anchor: a, reason });
    else {
      result.matched++;
      result.latest = { line: l.line, anchor: a };
    }
  }
  return result;
}

function checkHash(stored: string | null | undefined, anchored: string): string | null {
  if (stored === undefined) return 'the store has no event at the anchored position: events were removed';
  if (stored !== anchored) return `the store's hash there is ${stored ?? 'missing'}, not the anchored one: the events up to it were changed and hashed again`;
  return null;
}
