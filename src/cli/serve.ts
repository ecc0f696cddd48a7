import pino from 'pino';
import { createApp } from '../app/app.js';
import { mintToken } from '../auth/tokens.js';
import { buildServer } from '../api/server.js';
import type { Config } from '../config.js';
import { seedDemo } from '../demo/seed.js';

/** Starts the API; on SIGTERM/SIGINT stops accepting, drains requests and closes the store. */
export async function serve(config: Config): Promise<void> {
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'tiendo' } });
  const app = await createApp(config, log);
  app.runner.start();
  const server = await buildServer(app, log);
  await server.listen({ port: config.PORT, host: config.HOST });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.runner.ready;
  const empty = (await app.store.readAll({ maxCount: 1 })).length === 0;
  if (empty && config.TIENDO_DEMO) {
    log.info('empty store: seeding the Project 06 demo (TIENDO_DEMO=0 to skip)');
    const n = await seedDemo(app, new Date().toISOString());
    log.info({ commands: n }, 'demo seeded');
  }
  if (!config.TIENDO_AUTH_SECRET) {
    const leader = await mintToken(app.secret, { id: 'demo-leader', role: 'leader', unit: 'GOV' });
    const focal = await mintToken(app.secret, { id: 'demo-focal-BCA', role: 'focal_point', unit: 'BCA' });
    process.stdout.write(`\ntiendo is listening on http://localhost:${config.PORT} (GraphiQL: /graphiql)\n` +
      `leader token (GOV):       ${leader}\nfocal point token (BCA):  ${focal}\n\n`);
  }
}
