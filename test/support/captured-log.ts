import { Writable } from 'node:stream';
import pino from 'pino';

/** A pino logger at `level` whose lines are kept, parsed, for a test to read. `Line`: the fields a test reads besides level and msg. */
export function capturedLog<Line extends object = Record<string, unknown>>(level = 'info'): { logger: pino.Logger; lines: (Line & { level: number; msg: string })[] } {
  const lines: (Line & { level: number; msg: string })[] = [];
  const out = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { logger: pino({ level }, out), lines };
}
