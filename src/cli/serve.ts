import pino from 'pino';
import { startAnchors } from '../anchors/recorder.js';
import { createApp, viewsDirOf } from '../app/app.js';
import { mintToken } from '../auth/tokens.js';
import { buildServer } from '../api/server.js';
import type { Config } from '../config.js';
import { seedDemo } from '../demo/seed.js';
import { tuneHeap } from '../ops/heap-growth.js';
import { listenMetrics, metricsBinding } from '../ops/metrics-endpoint.js';
import { opsOf, startReminders } from '../ops/wiring.js';
import { acquireServeLock, removeServeLock, writeServeLock } from './maintenance.js';

/** How long SIGTERM waits for in-flight requests before closing their connections. */
const DRAIN_MS = 10_000;
/** After this, a shutdown that still has not finished exits with 1 whatever it waits on. */
const SHUTDOWN_DEADLINE_MS = 25_000;

/** Starts the API; on SIGTERM/SIGINT stops accepting, drains requests and closes the store. */
export async function serve(config: Config): Promise<void> {
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'tiendo' } });
  tuneHeap(config);
  // Before the read model is opened: several replicas may share the events, never a read model.
  acquireServeLock(viewsDirOf(config));
  const app = await createApp(config, log);
  // The server (and its webhook dispatcher) first: the events the runner's catch-up applies are delivered too.
  const server = await buildServer(app, log);
  app.runner.start();
  await server.listen({ port: config.PORT, host: config.HOST });
  const metricsAt = metricsBinding(config);
  const metricsServer = metricsAt ? await listenMetrics(opsOf(app, log).metrics, config, log, metricsAt) : undefined;
  const address = server.server.address();
  writeServeLock(app.viewsDir, typeof address === 'object' && address ? address.port : config.PORT);
  // Anchors of the store's head (issue 16): every TIENDO_ANCHOR_INTERVAL, and one more once the store is closed.
  const anchors = startAnchors(app, log);
  let closing = false;
  /**
   * Stop accepting (new requests on open connections get 503), let in-flight requests finish (at most
   * DRAIN_MS, then their connections are closed), flush the read model, close the store (its last
   * group commit written; the EventStoreDB client disposed), exit 0 — 1 when any step failed.
   */
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish: exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    const drain = setTimeout(() => {
      log.warn({ drainMs: DRAIN_MS }, 'requests still running after the drain timeout: closing their connections');
      server.server.closeAllConnections();
    }, DRAIN_MS);
    let code = 0;
    try {
      await server.close();
    } catch (error) {
      log.error({ err: error }, 'closing the HTTP server failed');
      code = 1;
    }
    clearTimeout(drain);
    anchors?.stop();
    await metricsServer?.close().catch((error: unknown) => log.error({ err: error }, 'closing the metrics listener failed'));
    try {
      await app.close();
    } catch (error) {
      log.error({ err: error }, 'closing the store or the read model failed');
      code = 1;
    }
    // After the close: the store's last group commit is on disk, so this anchor is of the final head.
    anchors?.record('shutdown');
    removeServeLock(app.viewsDir);
    log.info({ code }, 'stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.runner.ready;
  // Tamper evidence: walk the hash chain once caught up, then what each burst of appends added.
  app.integrity.start();
  app.runner.on('applied', () => app.integrity.schedule());
  const empty = (await app.store.readAll({ maxCount: 1 })).length === 0;
  if (empty && config.TIENDO_DEMO) {
    log.info('empty store: seeding the Project 06 demo (TIENDO_DEMO=0 to skip)');
    try {
      const n = await seedDemo(app, new Date().toISOString());
      log.info({ commands: n }, 'demo seeded');
    } catch (error) {
      if (closing) return; // SIGTERM during the seed closed the store under it: the shutdown exits
      throw error;
    }
  }
  // Reminders (issue 10): a pass now that the read model has caught up, then every TIENDO_REMINDER_INTERVAL_MS.
  startReminders(app, log);
  if (!config.TIENDO_AUTH_SECRET) {
    const leader = await mintToken(app.secret, { id: 'demo-leader', role: 'leader', unit: 'GOV' }, '30d', { issuer: config.TIENDO_JWT_ISSUER, audience: config.TIENDO_JWT_AUDIENCE });
    const focal = await mintToken(app.secret, { id: 'demo-focal-BCA', role: 'focal_point', unit: 'BCA' }, '30d', { issuer: config.TIENDO_JWT_ISSUER, audience: config.TIENDO_JWT_AUDIENCE });
    process.stdout.write(`\ntiendo is listening on http://localhost:${config.PORT} (GraphiQL: /graphiql)\n` +
      `leader token (GOV):       ${leader}\nfocal point token (BCA):  ${focal}\n\n`);
  }
}
