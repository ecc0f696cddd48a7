import { describe, expect, it } from 'vitest';
import { tailOf } from '../../bench/http.js';

/** The open loop's tail shape (bench/http.ts tailOf): windows of 100 ms of due time holding a request over 20 ms. */
describe('the shape of an open loop tail', () => {
  // 1,000 requests at 1,000 req/s: request i due at i ms.
  const due = (i: number) => i;

  it('finds none when every request took 20 ms or less', () => {
    expect(tailOf(new Float64Array(1000).fill(20), due)).toEqual({ slowWindows: 0, longestSlowRunMs: 0, worstWindows: [] });
  });

  it('tells a backlog (one unbroken run of slow windows) from a tail spread over the run', () => {
    const backlog = new Float64Array(1000).fill(1);
    // A dip from 300 to 549 ms: latency climbs, then drains.
    for (let i = 300; i < 550; i++) backlog[i] = 21 + (i < 450 ? i - 300 : 550 - i);
    const spread = new Float64Array(1000).fill(1);
    for (const i of [50, 250, 450, 650, 850]) spread[i] = 30;
    const a = tailOf(backlog, due);
    expect(a.slowWindows).toBe(3); // 300–399, 400–499, 500–549
    expect(a.longestSlowRunMs).toBe(300);
    expect(a.worstWindows[0]).toEqual({ atMs: 400, maxMs: 170, slow: 100 });
    const b = tailOf(spread, due);
    expect(b.slowWindows).toBe(5);
    expect(b.longestSlowRunMs).toBe(100);
    expect(b.worstWindows).toHaveLength(3);
  });
});
