import { connect } from 'node:net';
import { afterAll, beforeAll, describe } from 'vitest';
import type { StartedTestContainer } from 'testcontainers';
import { EventStoreDbEventStore } from '../../src/eventstore/eventstoredb.js';
import { eventStoreContract } from './eventstore.contract.js';

/** True when a Docker engine accepts a connection: an installed `docker` client alone proves nothing. */
function dockerEngineAnswers(timeoutMs = 1000): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  let target: { path: string } | { host: string; port: number };
  if (!host || host.startsWith('unix://')) target = { path: host ? host.slice('unix://'.length) : '/var/run/docker.sock' };
  else if (host.startsWith('tcp://')) {
    const url = new URL(host);
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const givenUrl = process.env.EVENTSTORE_URL;
const docker = !givenUrl && (await dockerEngineAnswers());

if (!givenUrl && !docker) {
  const reason = 'no EVENTSTORE_URL and no Docker engine answering';
  console.log(`EventStoreDB contract skipped: ${reason}`);
  describe.skip(`EventStoreDB event store (skipped: ${reason})`, () => {
    eventStoreContract(async () => new EventStoreDbEventStore('esdb://unused:2113?tls=false'), (s) => s.dispose());
  });
} else {
  describe(`EventStoreDB event store (${givenUrl ? 'EVENTSTORE_URL' : 'testcontainers eventstore/eventstore:24.10'})`, () => {
    let url = givenUrl ?? '';
    let container: StartedTestContainer | undefined;

    beforeAll(async () => {
      if (givenUrl) return;
      const { GenericContainer, Wait } = await import('testcontainers');
      container = await new GenericContainer('eventstore/eventstore:24.10')
        .withEnvironment({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_RUN_PROJECTIONS: 'None', EVENTSTORE_MEM_DB: 'true' })
        .withExposedPorts(2113)
        // /health/live answers 204 No Content once the node accepts requests.
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((s) => s === 200 || s === 204))
        .withStartupTimeout(180_000)
        .start();
      url = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    }, 300_000);

    afterAll(async () => {
      await container?.stop();
    }, 60_000);

    eventStoreContract(async () => new EventStoreDbEventStore(url), (s) => s.dispose());
  });
}
