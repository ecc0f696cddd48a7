import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random salt for a registration (stored in its event; the secret is not). */
export const newSalt = () => randomBytes(24).toString('base64url');

/**
 * A webhook's signing secret: HMAC-SHA256 of the webhook id and its salt under the server's
 * webhook key. Never stored; returned once, when the webhook is registered (and again, the same,
 * to a retry of that registration with the same clientMutationId).
 */
export function webhookSecret(key: Uint8Array | string, webhookId: string, salt: string): string {
  return `whsec_${createHmac('sha256', key).update(`tiendo-webhook|${webhookId}|${salt}`).digest('base64url')}`;
}

/** The X-Tiendo-Signature header value: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): true when `header` signs `body` with `secret`, compared in constant time. */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signature(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
