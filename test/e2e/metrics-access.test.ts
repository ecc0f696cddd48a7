import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { metricValue } from '../support/live.js';
import { TestServer, freePort, ok, token } from '../support/server.js';

/**
 * Who may read /metrics, and where (issue 16): with TIENDO_METRICS_TOKEN only its bearer; in
 * production not on the API's port but on a listener of its own, on 127.0.0.1 unless the
 * operator says otherwise (TIENDO_METRICS_HOST).
 */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const servers: TestServer[] = [];
const start = async (env: Record<string, string>) => {
  const s = await TestServer.start(env);
  servers.push(s);
  return s;
};

afterAll(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
});

const scrape = (url: string, authorization?: string) =>
  fetch(url, { headers: authorization ? { authorization } : {} }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));

/** An IPv4 address of this machine that is not loopback, if it has one. */
const outsideAddress = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('TIENDO_METRICS_TOKEN', () => {
  it('answers /metrics only to its bearer: 401 without it or with another', async () => {
    const server = await start({ TIENDO_METRICS_TOKEN: METRICS_TOKEN });
    ok(await server.gql(`query Counted { me { id } }`, {}, await token({ id: 'leader', role: 'leader', unit: 'GOV' })));
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', METRICS_TOKEN, `Basic ${METRICS_TOKEN}`]) {
      const r = await scrape(`${server.url}/metrics`, authorization);
      expect(r.status, String(authorization)).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.parse(r.text)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
      expect(r.text).not.toContain('tiendo_');
    }
    const r = await scrape(`${server.url}/metrics`, `bearer ${METRICS_TOKEN}`);
    expect(r.status).toBe(200);
    expect(metricValue(r.text, 'tiendo_graphql_requests_total', { operation: 'Counted', type: 'query', status: '2xx' })).toBe(1);
  });
});

describe('in production', () => {
  it('serves /metrics on a listener of its own, on 127.0.0.1 by default, and not on the API port', async () => {
    const port = await freePort();
    const server = await start({ NODE_ENV: 'production', TIENDO_METRICS_PORT: String(port), TIENDO_METRICS_TOKEN: METRICS_TOKEN, LOG_LEVEL: 'info' });
    expect((await scrape(`${server.url}/metrics`, `Bearer ${METRICS_TOKEN}`)).status).toBe(404);
    const r = await scrape(`http://127.0.0.1:${port}/metrics`, `Bearer ${METRICS_TOKEN}`);
    expect(r.status).toBe(200);
    expect(metricValue(r.text, 'tiendo_projection_caught_up')).toBe(1);
    expect((await scrape(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const line = server.output.split('\n').find((l) => l.includes('"metrics listening"'));
    expect(line && JSON.parse(line).metrics).toBe(`127.0.0.1:${port}`);
    if (!outsideAddress) {
      process.stdout.write('metrics-access: this machine has no non-loopback IPv4 address: reachability from outside not probed (the bound address is checked above)\n');
      return;
    }
    await expect(fetch(`http://${outsideAddress}:${port}/metrics`)).rejects.toThrow();
  });

  it('binds where TIENDO_METRICS_HOST says (0.0.0.0: every interface)', async () => {
    const port = await freePort();
    const server = await start({ NODE_ENV: 'production', TIENDO_METRICS_PORT: String(port), TIENDO_METRICS_HOST: '0.0.0.0', LOG_LEVEL: 'info' });
    const line = server.output.split('\n').find((l) => l.includes('"metrics listening"'));
    expect(line && JSON.parse(line).metrics).toBe(`0.0.0.0:${port}`);
    const at = outsideAddress ?? '127.0.0.1';
    expect((await scrape(`http://${at}:${port}/metrics`)).status).toBe(200);
  });
});
