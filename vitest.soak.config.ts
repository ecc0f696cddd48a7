import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run soak`: the crash test for longer — several SIGKILL/restart cycles under 16 clients, each
 * checked against a fresh rebuild. Bounded: TIENDO_SOAK_CYCLES (default 8) and TIENDO_SOAK_SECONDS
 * (default 300; no new cycle starts after it). Loopback only, like every test.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/e2e/crash.test.ts'],
    env: { TIENDO_SOAK: '1' },
    testTimeout: 60 * 60_000,
  },
});
