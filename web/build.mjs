#!/usr/bin/env node
// Builds the dashboard (web/) into web/dist. Run by `npm install` (prepare) and `npm start` (prestart).
//   node web/build.mjs             always build
//   node web/build.mjs --if-stale  build only when a source is newer than web/dist/index.html
// Without vite (production installs omit dev dependencies) an existing build is kept and the API
// starts anyway; the server answers / with a short notice when no build exists at all.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('.', import.meta.url));
const built = join(web, 'dist', 'index.html');

function newestSource(dir = web) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules') continue;
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestSource(path) : st.mtimeMs);
  }
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(built) && statSync(built).mtimeMs >= newestSource()) {
  process.exit(0);
}

let vite;
try {
  vite = await import('vite');
} catch {
  const note = existsSync(built) ? 'keeping the existing web/dist' : 'the dashboard is not built (install dev dependencies and run `npm run build:web`)';
  console.warn(`tiendo: vite is not installed; ${note}`);
  process.exit(0);
}

const started = Date.now();
await vite.build({ configFile: join(web, 'vite.config.ts') });
console.log(`tiendo: dashboard built into web/dist in ${Date.now() - started} ms`);
