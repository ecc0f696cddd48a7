import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { SECRET, TestServer } from '../support/server.js';

/** Token cases over HTTP against the real server: each refusal is 401 UNAUTHENTICATED and leaves the server up. */

const secret = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function me(server: TestServer, bearer: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: '{ me { id role } }' }),
  });
  const body = (await res.json()) as { data?: { me: { id: string; role: string } }; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, code: body.errors?.[0]?.extensions?.code, message: body.errors?.[0]?.message ?? '', me: body.data?.me };
}

describe('HS256 tokens (TIENDO_AUTH_SECRET)', () => {
  let server: TestServer;
  const hs = (claims: Record<string, unknown>, key = secret) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);

  beforeAll(async () => {
    server = await TestServer.start();
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('a valid token is accepted', async () => {
    expect(await me(server, await mintToken(secret, { id: 'ok-user', role: 'inspector', unit: 'GOV' }, '5m'))).toMatchObject({ status: 200, me: { id: 'ok-user', role: 'inspector' } });
  });

  it('an expired token is refused', async () => {
    const r = await me(server, await hs({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() - 3600 }));
    expect(r).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(r.message).toMatch(/expired/);
  });

  it('a token not valid yet (nbf in the future) is refused', async () => {
    const r = await me(server, await hs({ sub: 'u', role: 'leader', unit: 'GOV', nbf: now() + 3600, exp: now() + 7200 }));
    expect(r).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(r.message).toMatch(/not valid yet/);
  });

  it('a wrongly signed token is refused', async () => {
    const r = await me(server, await hs({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 }, new TextEncoder().encode(`${SECRET}-but-not-quite`)));
    expect(r).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(r.message).toMatch(/signature/);
  });

  it('an unsigned token (alg: none) is refused', async () => {
    const r = await me(server, `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', role: 'leader', unit: 'GOV', exp: now() + 3600 })}.`);
    expect(r).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('a malformed token is refused', async () => {
    for (const t of ['garbage', 'a.b.c', `${b64({ alg: 'HS256' })}.not-json.x`]) {
      expect(await me(server, t)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('a token missing claims (sub, role, unit, or exp) is refused', async () => {
    for (const claims of [{ role: 'leader', unit: 'GOV' }, { sub: 'u', unit: 'GOV' }, { sub: 'u', role: 'leader' }, { sub: 'u', role: 'root', unit: 'GOV' }]) {
      expect(await me(server, await hs({ ...claims, exp: now() + 3600 }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(await me(server, await hs({ sub: 'u', role: 'leader', unit: 'GOV' }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('the server is up after all of them', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('RS256/ES256 tokens from an identity provider (TIENDO_JWKS_URL), with issuer and audience', () => {
  const ISSUER = 'https://sso.example.gov.vn';
  const AUDIENCE = 'tiendo';
  let server: TestServer;
  let jwks: Server;
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let stranger: CryptoKeyPair;

  const signed = (alg: 'RS256' | 'ES256', kid: string, key: CryptoKey, claims: Record<string, unknown> = {}) =>
    new SignJWT({ role: 'leader', unit: 'GOV', iss: ISSUER, aud: AUDIENCE, ...claims })
      .setProtectedHeader({ alg, kid }).setSubject('sso-user').setIssuedAt().setExpirationTime('10m').sign(key);

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    stranger = await generateKeyPair('RS256');
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    server = await TestServer.start({ TIENDO_JWKS_URL: url, TIENDO_JWT_ISSUER: ISSUER, TIENDO_JWT_AUDIENCE: AUDIENCE });
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
    await new Promise<void>((r) => jwks?.close(() => r()));
  });

  it('accepts RS256 and ES256 tokens signed with the provider\'s keys', async () => {
    expect(await me(server, await signed('RS256', 'rsa-1', rsa.privateKey))).toMatchObject({ status: 200, me: { id: 'sso-user', role: 'leader' } });
    expect(await me(server, await signed('ES256', 'ec-1', ec.privateKey))).toMatchObject({ status: 200, me: { id: 'sso-user' } });
  });

  it('refuses a token signed with another key', async () => {
    expect(await me(server, await signed('RS256', 'rsa-1', stranger.privateKey))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('refuses HS256 tokens, even ones signed with TIENDO_AUTH_SECRET', async () => {
    const t = await mintToken(secret, { id: 'local', role: 'leader', unit: 'GOV' }, '5m', { issuer: ISSUER, audience: AUDIENCE });
    expect(await me(server, t)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('refuses a token from another issuer', async () => {
    const r = await me(server, await signed('RS256', 'rsa-1', rsa.privateKey, { iss: 'https://evil.example' }));
    expect(r).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(r.message).toMatch(/iss/);
  });

  it('refuses a token for another audience', async () => {
    const r = await me(server, await signed('RS256', 'rsa-1', rsa.privateKey, { aud: 'another-app' }));
    expect(r).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(r.message).toMatch(/aud/);
  });

  it('refuses an expired provider token', async () => {
    const t = await new SignJWT({ role: 'leader', unit: 'GOV', iss: ISSUER, aud: AUDIENCE }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject('sso-user').setIssuedAt(now() - 7200).setExpirationTime(now() - 3600).sign(rsa.privateKey);
    expect(await me(server, t)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const t = `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64({ sub: 'x', role: 'leader', unit: 'GOV', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })}.`;
    expect(await me(server, t)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('an identity provider that cannot be reached', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start({ TIENDO_JWKS_URL: 'http://127.0.0.1:1/jwks.json' });
  }, 90_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('answers 503 JWKS_UNAVAILABLE for a well-formed token (not a 401 that blames the token), and stays up', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const t = await new SignJWT({ role: 'leader', unit: 'GOV' }).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setSubject('u').setExpirationTime('5m').sign(privateKey);
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` }, body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'INTERNAL', reason: 'JWKS_UNAVAILABLE' });
    expect(await me(server, 'a.b.c')).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
