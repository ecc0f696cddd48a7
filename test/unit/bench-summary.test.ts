import { describe, expect, it } from 'vitest';
import { barLabel } from '../../bench/lib.js';

/** bench:summary puts several runs side by side: a bar's name must not claim one run's figure for all. */
describe("a bar's name over several runs", () => {
  it('shows each run’s figure where the runs differ, and the shared text once', () => {
    expect(barLabel([
      'task query: p99 at a fixed 9645 req/s (half the trivial maximum), open loop',
      'task query: p99 at a fixed 9145 req/s (half the trivial maximum), open loop',
      'task query: p99 at a fixed 7514 req/s (half the trivial maximum), open loop',
    ])).toBe('task query: p99 at a fixed 9645 / 9145 / 7514 req/s (half the trivial maximum), open loop');
  });

  it('keeps a name whose figures every run shares as it is', () => {
    const what = 'unitProgress(asOf), first call at 10 instants over the history (worst), 999942 events';
    expect(barLabel([what, what, what])).toBe(what);
  });
});
