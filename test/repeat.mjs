#!/usr/bin/env node
/**
 * `npm run test:repeat [N] [-- vitest args]`: runs `vitest run` N times in a row (default 5; N also
 * from TIENDO_TEST_REPEAT) and stops at the first failing run. A flaky test shows up here rather
 * than as a red CI run for nothing.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const given = /^\d+$/.test(args[0] ?? '') ? args.shift() : process.env.TIENDO_TEST_REPEAT;
const runs = Number(given ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`test:repeat: the number of runs must be a positive integer, not "${given}"`);
  process.exit(2);
}
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

for (let run = 1; run <= runs; run++) {
  console.log(`\ntest:repeat: run ${run} of ${runs}`);
  const started = Date.now();
  const { status, signal } = spawnSync(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (status !== 0) {
    console.error(`\ntest:repeat: run ${run} of ${runs} failed (${signal ?? `exit ${status}`}, ${seconds} s); ${run - 1} of ${runs} runs passed`);
    process.exit(status || 1);
  }
  console.log(`test:repeat: run ${run} of ${runs} passed (${seconds} s)`);
}
console.log(`\ntest:repeat: ${runs} of ${runs} runs passed`);
