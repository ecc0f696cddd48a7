import { createHash, randomBytes, randomFillSync } from 'node:crypto';

const hyphenated = (x: string) => `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;

const v7 = Buffer.alloc(16);
/**
 * Random bits drawn 4 KiB at a time: a call into the CSPRNG per id was 4 % of the server's CPU
 * under mutations (bench/README.md). Each byte is used once.
 */
const POOL = 4096;
const pool = Buffer.alloc(POOL);
let poolAt = POOL;

/**
 * A new event's id: a time-ordered uuid (RFC 9562 version 7: the millisecond `nowMs`, then random
 * bits). The store's unique index on ids then grows at its end, as positions do, instead of
 * touching a random page per event: appends to a store of a million events ran 1.6× faster
 * (bench/README.md). Random bits keep ids unguessable and unique across replicas.
 */
export function newEventId(nowMs: number = Date.now()): string {
  if (poolAt + 10 > POOL) {
    randomFillSync(pool);
    poolAt = 0;
  }
  pool.copy(v7, 6, poolAt, poolAt + 10);
  poolAt += 10;
  v7.writeUIntBE(nowMs, 0, 6);
  v7[6] = (v7[6]! & 0x0f) | 0x70;
  v7[8] = (v7[8]! & 0x3f) | 0x80;
  return hyphenated(v7.toString('hex'));
}

/** A name-based uuid (RFC 4122 version 5 layout over SHA-1): the same name, the same id. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update('tiendo:').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return hyphenated(h.subarray(0, 16).toString('hex'));
}

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short id people can read out over the phone, e.g. NV-7K3QX9M2. Derived from `seed` when given. */
export function readableId(prefix: string, seed?: string): string {
  const bytes = seed ? createHash('sha256').update(seed).digest() : randomBytes(8);
  let s = '';
  for (let i = 0; i < 8; i++) s += alphabet[bytes[i]! % 32];
  return `${prefix}-${s}`;
}
