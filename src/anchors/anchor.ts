import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../eventstore/hash.js';

/**
 * An anchor: the event store's head (position and hash-chain hash) at a time, signed with the
 * anchor key. The hash chain (eventstore/hash.ts) shows any change before the head; an anchor kept
 * outside the store shows what the chain cannot: events cut off the end, or a chain rewritten and
 * re-hashed from some event on.
 */
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');

export const Anchor = z.object({
  position: z.number().int().min(1),
  hash: hex64,
  at: z.iso.datetime(),
  /** HMAC-SHA256 (hex) of the other three under the anchor key. */
  mac: hex64,
}).strict();
export type Anchor = z.infer<typeof Anchor>;

export interface Head { position: number; hash: string }

/** Domain-separated: the key signs nothing else, but a MAC should say what it is a MAC of. */
const macOf = (key: Uint8Array, a: Head & { at: string }) =>
  createHmac('sha256', key).update(`tiendo-anchor-v1\n${canonicalJson({ at: a.at, hash: a.hash, position: a.position })}`).digest('hex');

export function signAnchor(key: Uint8Array, head: Head, at: string): Anchor {
  return { position: head.position, hash: head.hash, at, mac: macOf(key, { ...head, at }) };
}

export function macMatches(key: Uint8Array, a: Anchor): boolean {
  return timingSafeEqual(Buffer.from(macOf(key, a), 'hex'), Buffer.from(a.mac, 'hex'));
}
