import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runWorkload } from '../../bench/workload.js';
import { type App, createApp } from '../../src/app/app.js';
import { Config } from '../../src/config.js';

/**
 * A new data directory holding the bench's national workload, small, written through a real app
 * (embedded store and read model on disk); `then` is given the app before it closes, for events of
 * a test's own.
 */
export async function workloadData(prefix: string, workload: { events: number; seed: number; concurrency?: number }, then?: (app: App) => Promise<void>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = Config.parse({ TIENDO_DATA: dir, TIENDO_DEMO: '0', TIENDO_AUTH_SECRET: 'workload-data-secret-that-is-long-enough-0123456789', LOG_LEVEL: 'silent' });
  const app = await createApp(config, pino({ level: 'silent' }));
  try {
    app.runner.start();
    await app.runner.ready;
    await runWorkload(app, workload);
    await then?.(app);
  } finally {
    await app.close();
  }
  return dir;
}
