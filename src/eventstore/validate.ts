import { z } from 'zod';
import { InvalidEventError } from './errors.js';
import type { ExpectedRevision, NewEvent } from './port.js';

const uuid = z.uuid();
const streamName = z.string().min(1).max(200);
const LONE_SURROGATE = /\p{Cs}/u;

/** JSON-serialisable without loss: no functions, symbols, bigints, cycles or non-finite numbers. */
function assertJson(value: unknown, path: string, seen: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidEventError(`${path} is not a finite number`);
    return;
  }
  if (typeof value !== 'object') throw new InvalidEventError(`${path} is not JSON-serialisable (${typeof value})`);
  if (seen.has(value)) throw new InvalidEventError(`${path} is circular`);
  seen.add(value);
  if (Array.isArray(value)) value.forEach((v, i) => assertJson(v, `${path}[${i}]`, seen));
  else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new InvalidEventError(`${path} is not a plain object`);
    for (const [k, v] of Object.entries(value)) if (v !== undefined) assertJson(v, `${path}.${k}`, seen);
  }
  seen.delete(value);
}

/** Refuses a malformed append before anything is written. */
export function validateAppend(stream: unknown, events: unknown, expected: unknown): asserts events is NewEvent[] {
  validateAppendShape(stream, events, expected);
  events.forEach(assertEventJson);
}

/** Refuses an event whose data or metadata JSON cannot hold without loss, naming where. */
export function assertEventJson(e: NewEvent, i: number): void {
  assertJson(e.data, `event ${i} data`, new Set());
  if (e.metadata !== undefined) assertJson(e.metadata, `event ${i} metadata`, new Set());
}

/**
 * validateAppend but for the JSON of data and metadata: for a store that checks that in the walk
 * that serialises them (hash.ts strictCanonicalJson), and calls assertEventJson for the message.
 */
export function validateAppendShape(stream: unknown, events: unknown, expected: unknown): asserts events is NewEvent[] {
  if (!streamName.safeParse(stream).success) throw new InvalidEventError('stream name must be a non-empty string');
  // Stored as UTF-8 text: a lone surrogate would not read back as written (and the hash chain would not match).
  if (LONE_SURROGATE.test(stream as string)) throw new InvalidEventError('stream name must be well-formed Unicode');
  if (!Array.isArray(events) || events.length === 0) throw new InvalidEventError('events must be a non-empty array');
  const ids = new Set<string>();
  events.forEach((e: unknown, i) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new InvalidEventError(`event ${i} is not an object`);
    const ev = e as Record<string, unknown>;
    if (typeof ev.type !== 'string' || ev.type.length === 0) throw new InvalidEventError(`event ${i} has no type`);
    if (LONE_SURROGATE.test(ev.type)) throw new InvalidEventError(`event ${i} type must be well-formed Unicode`);
    if (!uuid.safeParse(ev.id).success) throw new InvalidEventError(`event ${i} id must be a uuid`);
    if (ids.has(ev.id as string)) throw new InvalidEventError(`event ${i} repeats id ${String(ev.id)}`);
    ids.add(ev.id as string);
    if (ev.data === undefined) throw new InvalidEventError(`event ${i} has no data`);
  });
  if (!isExpectedRevision(expected)) throw new InvalidEventError(`invalid expected revision ${String(expected)}`);
}

export function isExpectedRevision(x: unknown): x is ExpectedRevision {
  return x === 'any' || x === 'no_stream' || x === 'stream_exists' || (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}
