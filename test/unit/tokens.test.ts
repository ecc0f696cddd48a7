import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifier, mintToken } from '../../src/auth/tokens.js';
import { TiendoError } from '../../src/errors.js';

/** Each way a token can be wrong, refused with UNAUTHENTICATED and a message that says which. */

const secret = new TextEncoder().encode('unit-test-secret-that-is-long-enough-0123456789');
const other = new TextEncoder().encode('another-secret-that-is-long-enough-0123456789ab');
const actor = { id: 'u-1', role: 'leader' as const, unit: 'GOV' };
const now = () => Math.floor(Date.now() / 1000);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function refusal(verify: (h: string | undefined) => Promise<unknown>, header: string | undefined): Promise<string> {
  try {
    await verify(header);
  } catch (error) {
    expect(error).toBeInstanceOf(TiendoError);
    expect((error as TiendoError).code).toBe('UNAUTHENTICATED');
    return (error as TiendoError).message;
  }
  throw new Error('the token was accepted');
}

const hs = createVerifier({ secret });
const sign = (claims: Record<string, unknown>, key = secret) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);

describe('HS256 tokens', () => {
  it('accepts a token tiendo minted', async () => {
    expect(await hs(`Bearer ${await mintToken(secret, actor, '1h')}`)).toEqual(actor);
  });

  it('refuses an expired token', async () => {
    const t = await sign({ sub: 'u', role: 'leader', unit: 'GOV', iat: now() - 7200, exp: now() - 3600 });
    expect(await refusal(hs, `Bearer ${t}`)).toMatch(/expired/);
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    const t = await sign({ sub: 'u', role: 'leader', unit: 'GOV', nbf: now() + 3600, exp: now() + 7200 });
    expect(await refusal(hs, `Bearer ${t}`)).toMatch(/not valid yet/);
  });

  it('refuses a token signed with another secret', async () => {
    const t = await sign({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 }, other);
    expect(await refusal(hs, `Bearer ${t}`)).toMatch(/signature/);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const t = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 })}.`;
    expect(await refusal(hs, `Bearer ${t}`)).toMatch(/algorithm|malformed/);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [h, , s] = (await mintToken(secret, { id: 'u', role: 'focal_point', unit: 'BCA' }, '1h')).split('.');
    const forged = `${h}.${b64({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 })}.${s}`;
    expect(await refusal(hs, `Bearer ${forged}`)).toMatch(/signature/);
  });

  it.each([
    ['not a JWT', 'Bearer abc'],
    ['three garbage segments', 'Bearer a.b.c'],
    ['a header that is not JSON', `Bearer ${Buffer.from('{oops').toString('base64url')}.${b64({})}.sig`],
  ])('refuses a malformed token: %s', async (_, header) => {
    expect(await refusal(hs, header)).toMatch(/malformed/);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['"Bearer" alone', 'Bearer '],
  ])('refuses a request without a Bearer token: %s', async (_, header) => {
    expect(await refusal(hs, header)).toMatch(/Bearer token is required/);
  });

  it.each([
    ['sub', { role: 'leader', unit: 'GOV' }],
    ['role', { sub: 'u', unit: 'GOV' }],
    ['unit', { sub: 'u', role: 'leader' }],
    ['a known role', { sub: 'u', role: 'superuser', unit: 'GOV' }],
  ])('refuses a token missing %s', async (_, claims) => {
    const t = await sign({ ...claims, exp: now() + 3600 });
    expect(await refusal(hs, `Bearer ${t}`)).toMatch(/lacks/);
  });

  it('refuses a token without an expiry (exp is required)', async () => {
    const t = await sign({ sub: 'u', role: 'leader', unit: 'GOV' });
    expect(await refusal(hs, `Bearer ${t}`)).toMatch(/exp/);
  });
});

describe('verified tokens kept for the next request', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a token verified before with the same actor, a copy the caller may change', async () => {
    const verify = createVerifier({ secret });
    const header = `Bearer ${await mintToken(secret, actor, '1h')}`;
    const first = await verify(header);
    first.unit = 'BCA';
    expect(await verify(header)).toEqual(actor);
  });

  it('refuses a token changed after its original was verified', async () => {
    const verify = createVerifier({ secret });
    const good = await mintToken(secret, { id: 'u', role: 'focal_point', unit: 'BCA' }, '1h');
    await verify(`Bearer ${good}`);
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 })}.${s}`;
    expect(await refusal(verify, `Bearer ${forged}`)).toMatch(/signature/);
  });

  it('refuses a token verified before once it has expired', async () => {
    const verify = createVerifier({ secret });
    const header = `Bearer ${await mintToken(secret, actor, '1h')}`;
    await verify(header);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3600_000);
    expect(await refusal(verify, header)).toMatch(/expired/);
  });
});

describe('issuer and audience, when configured', () => {
  const strict = createVerifier({ secret, issuer: 'https://sso.gov.vn', audience: 'tiendo' });
  const claims = { issuer: 'https://sso.gov.vn', audience: 'tiendo' };

  it('accepts a token with both', async () => {
    expect(await strict(`Bearer ${await mintToken(secret, actor, '1h', claims)}`)).toEqual(actor);
  });

  it('refuses a token from another issuer', async () => {
    const t = await mintToken(secret, actor, '1h', { ...claims, issuer: 'https://elsewhere.example' });
    expect(await refusal(strict, `Bearer ${t}`)).toMatch(/iss/);
  });

  it('refuses a token for another audience', async () => {
    const t = await mintToken(secret, actor, '1h', { ...claims, audience: 'someone-else' });
    expect(await refusal(strict, `Bearer ${t}`)).toMatch(/aud/);
  });

  it('refuses a token without them', async () => {
    expect(await refusal(strict, `Bearer ${await mintToken(secret, actor, '1h')}`)).toMatch(/iss|aud/);
  });
});

describe('RS256 and ES256 tokens against a JWKS served over HTTP', () => {
  let jwksServer: Server;
  let url: string;
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let stranger: CryptoKeyPair;
  let requests = 0;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    stranger = await generateKeyPair('RS256');
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwksServer = createServer((req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => jwksServer.close(() => r())));

  const signed = (alg: string, kid: string, key: CryptoKey, claims: Record<string, unknown> = {}) =>
    new SignJWT({ role: 'focal_point', unit: 'BCA', ...claims }).setProtectedHeader({ alg, kid }).setSubject('idp-user-7')
      .setIssuedAt().setExpirationTime('10m').sign(key);

  it('accepts RS256 and ES256 tokens signed with the provider\'s keys', async () => {
    const verify = createVerifier({ secret, jwksUrl: url });
    const before = requests;
    expect(await verify(`Bearer ${await signed('RS256', 'rsa-1', rsa.privateKey)}`)).toEqual({ id: 'idp-user-7', role: 'focal_point', unit: 'BCA' });
    expect(await verify(`Bearer ${await signed('ES256', 'ec-1', ec.privateKey)}`)).toEqual({ id: 'idp-user-7', role: 'focal_point', unit: 'BCA' });
    expect(requests).toBeGreaterThan(before); // the keys came from the JWKS URL
  });

  it('refuses a token signed with a key the JWKS does not hold', async () => {
    const verify = createVerifier({ secret, jwksUrl: url });
    expect(await refusal(verify, `Bearer ${await signed('RS256', 'rsa-1', stranger.privateKey)}`)).toMatch(/signature/);
    expect(await refusal(verify, `Bearer ${await signed('RS256', 'unknown-kid', stranger.privateKey)}`)).toMatch(/signature/);
  });

  it('refuses HS256 tokens once a JWKS is configured, even signed with the configured secret', async () => {
    const verify = createVerifier({ secret, jwksUrl: url });
    expect(await refusal(verify, `Bearer ${await mintToken(secret, actor, '1h')}`)).toMatch(/algorithm/);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const verify = createVerifier({ secret, jwksUrl: url });
    const t = `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 })}.`;
    expect(await refusal(verify, `Bearer ${t}`)).toMatch(/algorithm|malformed/);
  });

  it('checks issuer and audience on provider tokens too', async () => {
    const verify = createVerifier({ secret, jwksUrl: url, issuer: 'https://sso.gov.vn', audience: 'tiendo' });
    const good = await signed('RS256', 'rsa-1', rsa.privateKey, { iss: 'https://sso.gov.vn', aud: 'tiendo' });
    expect(await verify(`Bearer ${good}`)).toMatchObject({ id: 'idp-user-7' });
    const wrongAud = await signed('RS256', 'rsa-1', rsa.privateKey, { iss: 'https://sso.gov.vn', aud: 'other' });
    expect(await refusal(verify, `Bearer ${wrongAud}`)).toMatch(/aud/);
  });

  it('accepts nothing when the JWKS cannot be fetched, and says the keys are unavailable rather than the token bad', async () => {
    const verify = createVerifier({ secret, jwksUrl: 'http://127.0.0.1:1/jwks.json' });
    const error = await verify(`Bearer ${await signed('RS256', 'rsa-1', rsa.privateKey)}`).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TiendoError);
    expect({ code: (error as TiendoError).code, reason: (error as TiendoError).reason }).toEqual({ code: 'INTERNAL', reason: 'JWKS_UNAVAILABLE' });
    // A token that is wrong in itself is still UNAUTHENTICATED, keys or no keys.
    expect(await refusal(verify, 'Bearer a.b.c')).toMatch(/malformed/);
    expect(await refusal(verify, `Bearer ${await mintToken(secret, actor, '1h')}`)).toMatch(/algorithm/);
  });
});
