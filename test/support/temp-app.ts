import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp } from '../../src/app/app.js';
import { loadConfig } from '../../src/config.js';

/** A real app (embedded SQLite store and read model on disk) over a fresh temporary data dir. */
export async function tempApp(prefix = 'tiendo-test-'): Promise<{ app: App; dir: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const app = await createApp(loadConfig({ TIENDO_DATA: dir, LOG_LEVEL: 'silent' }));
  app.runner.start();
  await app.runner.ready;
  return {
    app, dir,
    async dispose() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many events the store holds. */
export async function eventCount(app: App): Promise<number> {
  let n = 0;
  for (let from = 'start'; ;) {
    const page = await app.store.readAll({ fromPosition: from, maxCount: 5000 });
    if (page.length === 0) return n;
    n += page.length;
    from = page[page.length - 1]!.position;
  }
}
