import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChild } from '../../src/ops/request-logger.js';

/** A request's logger is made only when the request logs, and writes what a pino child would. */
function logger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { log: pino({ level }, out), lines };
}

describe('lazyChild', () => {
  it('makes no child while nothing is logged at an enabled level', () => {
    const { log, lines } = logger('info');
    let made = 0;
    const child = lazyChild(log, () => { made++; return { reqId: 'r1' }; }, {});
    child.debug({ a: 1 }, 'not written');
    child.trace('not written either');
    expect(made).toBe(0);
    expect(lines).toEqual([]);
  });

  it('writes with the bindings once a line is logged, and makes the child once', () => {
    const { log, lines } = logger('info');
    let made = 0;
    const child = lazyChild(log, () => { made++; return { reqId: 'r1', correlationId: 'c1' }; }, {});
    child.warn({ reason: 'X' }, 'first');
    child.error('second');
    child.debug('below the level');
    expect(made).toBe(1);
    expect(lines.map((l) => [l.msg, l.reqId, l.correlationId, l.reason])).toEqual([['first', 'r1', 'c1', 'X'], ['second', 'r1', 'c1', undefined]]);
  });

  it('follows the level of its parent', () => {
    const { log, lines } = logger('debug');
    const child = lazyChild(log, () => ({ reqId: 'r2' }), {});
    expect(child.level).toBe('debug');
    child.debug('written');
    expect(lines.map((l) => l.msg)).toEqual(['written']);
  });
});
