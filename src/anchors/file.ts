import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Anchor } from './anchor.js';

/**
 * The anchor file: one JSON object a line, appended, never rewritten. A log shipper can follow it
 * (and the server logs each anchor too), so a copy lives where whoever can change the store cannot.
 */

/** Appends one anchor and syncs it to disk. A line left half-written by a crash is ended first, so it spoils only itself. */
export function appendAnchor(file: string, anchor: Anchor): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a+');
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const unended = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeSync(fd, `${unended ? '\n' : ''}${JSON.stringify(anchor)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type AnchorLine = { line: number; anchor: Anchor } | { line: number; problem: string };

function parseLine(text: string): Anchor | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  const parsed = Anchor.safeParse(json);
  return parsed.success ? parsed.data : `it is not an anchor (${parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ')})`;
}

/** Every line of the file (blank ones skipped), numbered from 1. The file must exist. */
export function readAnchors(file: string): AnchorLine[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: AnchorLine[] = [];
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    const a = parseLine(text);
    out.push(typeof a === 'string' ? { line: i + 1, problem: a } : { line: i + 1, anchor: a });
  });
  return out;
}

/** Anchor lines are ~220 bytes: the last one is in the file's last few KiB. */
const TAIL = 4096;

/** The file's last anchor, reading only its end; null when there is none (or the last line is not one). */
export function lastAnchor(file: string): Anchor | null {
  if (!existsSync(file)) return null;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const last = buf.toString('utf8').split('\n').filter((l) => l.trim()).at(-1);
    const a = last === undefined ? null : parseLine(last);
    return typeof a === 'string' ? null : a;
  } finally {
    closeSync(fd);
  }
}
