import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not be delivered unless the operator allows private networks
 * (TIENDO_WEBHOOK_PRIVATE_NETWORKS=1): a URL anyone with the right to register webhooks types in
 * must not reach the server's own loopback, the internal network behind it, or a cloud metadata
 * endpoint (169.254.169.254). IPv4-mapped IPv6 addresses are checked as IPv4 (BlockList does so).
 */
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/** True for a private, loopback, link-local, shared, multicast or reserved address (and for anything not an address). */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  return family === 0 || internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type Resolve = (host: string) => Promise<string[]>;
const resolveAll: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Why `url` may not be delivered to, or null. A host name counts by every address it resolves to
 * now; the request resolves it again, so a name that changes its answer in between (DNS rebinding)
 * is not stopped here — a firewall rule for the server's outgoing traffic is the complete guard.
 */
export async function refusedDestination(url: string, resolve: Resolve = resolveAll): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [host] : await resolve(host);
  const found = addresses.find(isInternalAddress);
  return found === undefined ? null
    : `destination refused: ${host === found ? host : `${host} (${found})`} is a private, loopback or link-local address; TIENDO_WEBHOOK_PRIVATE_NETWORKS=1 allows it`;
}
