import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

/**
 * The whole project type-checks (tsconfig.json: src, projections, bench, test …). The tests run
 * TypeScript through esbuild, which strips types and never loads bench/ at all: a bench file that
 * did not even parse once passed every test and failed only in the 8-minute benchmark.
 */
describe('types', () => {
  it('tsc --noEmit finds no error', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', '.'], { maxBuffer: 16 << 20 })
      .then(() => ({ code: 0, out: '' }), (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }));
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
