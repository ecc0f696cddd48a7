import { describe, expect, it } from 'vitest';
import { lazyChild } from '../../src/ops/request-logger.js';
import { capturedLog } from '../support/captured-log.js';

/** A request's logger is made only when the request logs, and writes what a pino child would. */
describe('lazyChild', () => {
  it('makes no child while nothing is logged at an enabled level', () => {
    const { logger: log, lines } = capturedLog('info');
    let made = 0;
    const child = lazyChild(log, () => { made++; return { reqId: 'r1' }; }, {});
    child.debug({ a: 1 }, 'not written');
    child.trace('not written either');
    expect(made).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes with the bindings once a line is logged, and makes the child once', () => {
    const { logger: log, lines } = capturedLog('info');
    let made = 0;
    const child = lazyChild(log, () => { made++; return { reqId: 'r1', correlationId: 'c1' }; }, {});
    child.warn({ reason: 'X' }, 'first');
    child.error('second');
    child.debug('below the level');
    expect(made).toBe(1);
    expect(lines.map((l) => [l.msg, l.reqId, l.correlationId, l.reason])).toEqual([['first', 'r1', 'c1', 'X'], ['second', 'r1', 'c1', undefined]]);
  });

  it('follows the level of its parent', () => {
    const { logger: log, lines } = capturedLog('debug');
    const child = lazyChild(log, () => ({ reqId: 'r2' }), {});
    expect(child.level).toBe('debug');
    child.debug('written');
    expect(lines.map((l) => l.msg)).toEqual(['written']);
  });
});
