import { describe, expect, it } from 'vitest';
import { isInternalAddress, refusedDestination } from '../../src/webhooks/destination.js';

describe('webhook destinations', () => {
  it('tells internal addresses from public ones, IPv4-mapped IPv6 as IPv4', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.5.4', '172.31.255.255', '192.168.1.10', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '::1', '::', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', 'not-an-address']) {
      expect(isInternalAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '203.113.131.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) {
      expect(isInternalAddress(a), a).toBe(false);
    }
  });

  it('refuses a URL whose host is, or resolves to, an internal address, and says which', async () => {
    const resolve = async (host: string) => ({ 'hook.example.vn': ['203.113.131.1'], 'intranet.example.vn': ['203.113.131.1', '10.0.0.5'] })[host] ?? [];
    expect(await refusedDestination('https://hook.example.vn/tiendo', resolve)).toBeNull();
    expect(await refusedDestination('https://intranet.example.vn/x', resolve)).toMatch(/^destination refused: intranet\.example\.vn \(10\.0\.0\.5\) is a private/);
    expect(await refusedDestination('http://169.254.169.254/latest/meta-data', resolve)).toMatch(/^destination refused: 169\.254\.169\.254 is/);
    expect(await refusedDestination('http://[::1]:8080/x', resolve)).toMatch(/^destination refused: ::1 is/);
    expect(await refusedDestination('http://203.113.131.1/x', resolve)).toBeNull();
  });
});
