import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import { unauthenticated } from '../errors.js';
import { type Actor, Role } from '../shared/schemas.js';

const ALG = 'HS256';

/** The HS256 secret: configured, or a random one kept in the data dir so tokens survive restarts. */
export function resolveSecret(configured: string | undefined, dataDir: string): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  const file = join(dataDir, 'auth-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

export async function mintToken(secret: Uint8Array, actor: Actor, ttl = '30d'): Promise<string> {
  return new SignJWT({ role: actor.role, unit: actor.unit })
    .setProtectedHeader({ alg: ALG })
    .setSubject(actor.id)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(secret);
}

/** Verifies a Bearer header; anything missing, expired, unsigned or malformed is UNAUTHENTICATED. */
export async function verifyBearer(header: string | undefined, secret: Uint8Array): Promise<Actor> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw unauthenticated();
  let payload;
  try {
    ({ payload } = await jwtVerify(match[1]!, secret, { algorithms: [ALG] }));
  } catch {
    throw unauthenticated('the token is invalid or expired');
  }
  const role = Role.safeParse(payload.role);
  if (!payload.sub || !role.success || typeof payload.unit !== 'string' || !payload.unit) {
    throw unauthenticated('the token lacks sub, role or unit');
  }
  return { id: payload.sub, role: role.data, unit: payload.unit };
}
