import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JWTPayload, type JWTVerifyGetKey, SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { ErrorCode, TiendoError, unauthenticated } from '../errors.js';
import { LruMap } from '../shared/lru-map.js';
import { type Actor, Role } from '../shared/schemas.js';

/** The algorithm of tiendo's own tokens (a shared secret). */
const HS = ['HS256'];
/** The algorithms accepted from an identity provider's JWKS. Never `none`, never a symmetric one. */
const ASYMMETRIC = ['RS256', 'ES256'];
/** Clocks drift; a token a few seconds early or late is still the same token. */
const CLOCK_TOLERANCE_S = 30;
/**
 * Verified tokens kept per verifier: a signature check was the largest part of a small request's
 * CPU, and a client sends the same token again and again. Bounded; only tokens that verified get in.
 */
const CACHE_MAX = 10_000;
/** With a JWKS a cached token is checked again this often, so a key the provider withdraws stops working as it did. */
const REMOTE_RECHECK_MS = 60_000;

/**
 * The HS256 secret: configured, or a random one kept in the data dir so tokens survive restarts.
 * `fileName`: another key kept the same way (the anchors' anchor-key).
 */
export function resolveSecret(configured: string | undefined, dataDir: string, fileName = 'auth-secret'): Uint8Array {
  if (configured) return new TextEncoder().encode(configured);
  const file = join(dataDir, fileName);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    // 'wx': two replicas starting at once on a fresh data dir keep the one secret written first.
    try {
      writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

/** Claims tiendo checks when configured (TIENDO_JWT_ISSUER / TIENDO_JWT_AUDIENCE) and puts in the tokens it mints. */
export interface TokenClaims {
  issuer?: string | undefined;
  audience?: string | undefined;
}

export async function mintToken(secret: Uint8Array, actor: Actor, ttl = '30d', claims: TokenClaims = {}): Promise<string> {
  const jwt = new SignJWT({ role: actor.role, unit: actor.unit })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(actor.id)
    .setIssuedAt()
    .setExpirationTime(ttl);
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(secret);
}

/**
 * Turns an `Authorization` header into the actor it speaks for, or throws UNAUTHENTICATED
 * (INTERNAL, reason JWKS_UNAVAILABLE, when a configured JWKS cannot be fetched).
 */
export type TokenVerifier = (authorization: string | undefined) => Promise<Actor>;

export interface VerifierOptions extends TokenClaims {
  /** The HS256 secret; used when no JWKS is configured. */
  secret?: Uint8Array;
  /** An identity provider's JWKS URL: RS256/ES256 tokens signed by one of its keys. */
  jwksUrl?: string | undefined;
  /** A key resolver in place of jwksUrl (tests, or a JWKS held locally). */
  keys?: JWTVerifyGetKey;
}

/**
 * Why a token was refused, in words a client can act on. Nothing here reveals a key or the
 * expected issuer/audience; each case is its own message so that a refusal can be told apart.
 */
function refusal(error: unknown, remote: boolean): Error {
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('the token has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') return unauthenticated('the token is not valid yet');
    if (error.claim === 'iss' || error.claim === 'aud') return unauthenticated(`the token's ${error.claim} is not accepted here`);
    return unauthenticated(`the token lacks a valid ${error.claim} claim`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return unauthenticated('the token is signed with an algorithm that is not accepted');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey
    || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return unauthenticated('the token signature does not verify');
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return unauthenticated('the token is malformed');
  if (remote && !(error instanceof joseErrors.JOSENotSupported)) {
    // The provider's key set could not be fetched or read (timeout, network, not JSON): the
    // token may well be good; say so rather than blame it (answered 503, not 401).
    return new TiendoError(ErrorCode.INTERNAL, 'the identity provider\'s keys cannot be fetched; try again later', 'JWKS_UNAVAILABLE');
  }
  return unauthenticated('the token is invalid or expired');
}

function actorOf(payload: JWTPayload): Actor {
  const role = Role.safeParse(payload.role);
  const unit = payload.unit;
  if (!payload.sub || !role.success || typeof unit !== 'string' || !unit || unit.length > 100) {
    throw unauthenticated('the token lacks sub, role or unit');
  }
  return { id: payload.sub, role: role.data, unit };
}

/**
 * The verifier for this configuration. With a JWKS URL only RS256/ES256 tokens signed by the
 * provider's keys are accepted (the HS256 secret is then not a way in); otherwise HS256 tokens
 * signed with the secret. `exp` is required either way; `iss` and `aud` when configured.
 */
export function createVerifier(options: VerifierOptions): TokenVerifier {
  const remote = options.keys ?? (options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
    : undefined);
  if (!remote && !options.secret) throw new Error('a token verifier needs a secret or a JWKS');
  const verifyOptions = {
    algorithms: remote ? ASYMMETRIC : HS,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  // Imported once: jose would import a raw secret again on every verification.
  let hmacKey: Promise<CryptoKey> | undefined;
  const secretKey = () => (hmacKey ??= crypto.subtle.importKey('raw', new Uint8Array(options.secret!), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']));
  // By the whole Authorization header, as sent: a hit needs no parsing of it.
  const verified = new LruMap<string, { actor: Actor; until: number }>();
  return async (authorization = '') => {
    const now = Date.now();
    const hit = verified.get(authorization);
    if (hit && now < hit.until) return { ...hit.actor }; // a copy: no request changes another's actor
    if (hit) verified.delete(authorization);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthenticated();
    let payload: JWTPayload;
    try {
      ({ payload } = remote
        ? await jwtVerify(match[1]!, remote, verifyOptions)
        : await jwtVerify(match[1]!, await secretKey(), verifyOptions));
    } catch (error) {
      throw refusal(error, !!remote);
    }
    const actor = actorOf(payload);
    // Until exp (past it jose decides again, with its clock tolerance); nbf and iat were checked just now.
    const until = Math.min(payload.exp! * 1000, remote ? now + REMOTE_RECHECK_MS : Infinity);
    if (verified.size >= CACHE_MAX) verified.delete(verified.leastRecentlyUsed()!);
    verified.set(authorization, { actor, until });
    return { ...actor };
  };
}

/** Verifies a Bearer header against an HS256 secret; anything missing, expired, unsigned or malformed is UNAUTHENTICATED. */
export function verifyBearer(header: string | undefined, secret: Uint8Array, claims: TokenClaims = {}): Promise<Actor> {
  return createVerifier({ secret, ...claims })(header);
}
