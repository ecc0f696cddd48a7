import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { type Plugin, defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(root, 'dist');

/** Writes .br and .gz next to every text asset, which @fastify/static serves with `preCompressed`. */
function precompress(): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'tiendo-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const data = readFileSync(file);
        if (data.length < 512) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

/**
 * Writes into the field page's service worker (src/field/sw.ts) what to keep for offline use:
 * every file field.html loads, and a version from field.html's text, which names every hashed
 * asset, so any change to the page makes a new worker and a new cache.
 */
function fieldWorker(): Plugin {
  return {
    name: 'tiendo-field-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const html = bundle['field.html'];
      const worker = bundle['field-sw.js'];
      if (html?.type !== 'asset' || worker?.type !== 'chunk') return this.error('field.html or field-sw.js is missing from the build');
      const source = String(html.source);
      const files = [...source.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
      const version = createHash('sha256').update(source).digest('hex').slice(0, 12);
      worker.code = worker.code.replace(/\bPRECACHE_VERSION\b/g, JSON.stringify(version)).replace(/\bPRECACHE\b/g, JSON.stringify(files));
    },
  };
}

// The leadership dashboard: plain TypeScript modules, no framework, nothing fetched at build time.
export default defineConfig({
  root,
  base: '/',
  publicDir: join(root, 'public'),
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      // The dashboard, the field page (/field) and the field page's service worker, at a fixed address.
      input: { index: join(root, 'index.html'), field: join(root, 'field.html'), 'field-sw': join(root, 'src/field/sw.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'field-sw' ? 'field-sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  plugins: [fieldWorker(), precompress()],
});
