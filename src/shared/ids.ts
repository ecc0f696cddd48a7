import { createHash, randomBytes } from 'node:crypto';

/** A name-based uuid (RFC 4122 version 5 layout over SHA-1): the same name, the same id. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update('tiendo:').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short id people can read out over the phone, e.g. NV-7K3QX9M2. Derived from `seed` when given. */
export function readableId(prefix: string, seed?: string): string {
  const bytes = seed ? createHash('sha256').update(seed).digest() : randomBytes(8);
  let s = '';
  for (let i = 0; i < 8; i++) s += alphabet[bytes[i]! % 32];
  return `${prefix}-${s}`;
}
