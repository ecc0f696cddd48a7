import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml's "scale-out" profile (issue 15). No Docker engine here, so `docker compose
 * config` cannot run: the file is parsed (YAML merge keys resolved as compose resolves them) and
 * checked for what the topology needs — three EventStoreDB nodes gossiping with each other, two
 * tiendo replicas on the cluster with their own read models and shared secrets, nginx in front with
 * the committed config, and a health check on each.
 */
const root = new URL('../..', import.meta.url).pathname;
interface Service {
  image?: string; profiles?: string[]; environment?: Record<string, string>; volumes?: string[];
  healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const inProfile = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('scale-out'));
const byImage = (prefix: string) => inProfile.filter(([, s]) => s.image?.startsWith(prefix));
const replicas = inProfile.filter(([, s]) => s.environment?.EVENTSTORE_URL);

describe('docker compose --profile scale-out', () => {
  it('leaves `docker compose up` as it was: one EventStoreDB and one tiendo, in no profile', () => {
    expect(compose.services.eventstore?.profiles).toBeUndefined();
    expect(compose.services.tiendo?.profiles).toBeUndefined();
  });

  it('runs a three-node EventStoreDB cluster, each node seeded with the other two', () => {
    const nodes = byImage('eventstore/eventstore:');
    expect(nodes.map(([name]) => name)).toEqual(['esdb1', 'esdb2', 'esdb3']);
    const ips = nodes.map(([, s]) => s.environment!.EVENTSTORE_REPLICATION_IP);
    expect(new Set(ips).size).toBe(3);
    nodes.forEach(([, s], i) => {
      expect(s.environment!.EVENTSTORE_CLUSTER_SIZE).toBe('3');
      expect(s.environment!.EVENTSTORE_GOSSIP_SEED!.split(',').map((x) => x.split(':')[0]).sort()).toEqual(ips.filter((_, j) => j !== i).sort());
    });
  });

  it('runs two tiendo replicas on the whole cluster, each with its own read model, sharing the secrets', () => {
    expect(replicas.map(([name]) => name)).toEqual(['tiendo-a', 'tiendo-b']);
    for (const [, s] of replicas) {
      expect(s.environment!.EVENTSTORE_URL).toMatch(/^esdb:\/\/esdb1:2113,esdb2:2113,esdb3:2113\?/);
      for (const node of ['esdb1', 'esdb2', 'esdb3']) expect(s.depends_on?.[node]?.condition).toBe('service_healthy');
    }
    const viewsVolume = (s: Service) => s.volumes!.find((v) => v.endsWith(`:${s.environment!.TIENDO_VIEWS_DIR ?? s.environment!.TIENDO_DATA}`));
    const [a, b] = replicas.map(([, s]) => s);
    expect(viewsVolume(a!)).toBeDefined();
    expect(viewsVolume(a!)).not.toBe(viewsVolume(b!));
    expect(a!.environment!.TIENDO_AUTH_SECRET).toBe(b!.environment!.TIENDO_AUTH_SECRET);
    expect(a!.environment!.TIENDO_WEBHOOK_KEY).toBe(b!.environment!.TIENDO_WEBHOOK_KEY);
  });

  it('puts nginx in front with the committed config naming both replicas, once they are healthy', () => {
    const [[, proxy] = []] = byImage('nginx:');
    expect(proxy).toBeDefined();
    const mount = proxy!.volumes!.find((v) => v.includes('nginx.conf'))!;
    const file = `${root}${mount.split(':')[0]!.replace(/^\.\//, '')}`;
    expect(existsSync(file)).toBe(true);
    const conf = readFileSync(file, 'utf8');
    for (const [name] of replicas) {
      expect(conf).toMatch(new RegExp(`server ${name}:4000`));
      expect(proxy!.depends_on?.[name]?.condition).toBe('service_healthy');
    }
  });

  it('gives every long-running service a health check', () => {
    const running = inProfile.filter(([name]) => name !== 'tiendo-install');
    expect(running.length).toBe(6);
    for (const [name, s] of running) expect(s.healthcheck?.test?.[0], name).toBe('CMD-SHELL');
  });
});
