import { hash } from 'node:crypto';

/**
 * Tamper evidence for stored events: each event's hash is SHA-256 over its canonical form, which
 * includes the hash of the event before it in global order — a chain, so changing, removing or
 * reordering any stored event breaks every link after it.
 *
 * The canonical form is the JSON text of
 *   { data, id, metadata, prevHash, recordedAt, revision, stream, type }
 * with object keys sorted by UTF-16 code units at every level, no whitespace, numbers and strings
 * written as JSON.stringify writes them (the ordering and number form of RFC 8785, JCS). It is the
 * same for an event's data before it is stored and after it is read back, whatever the key order
 * or spacing of the stored text.
 */

/** The prevHash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON: sorted keys, no whitespace; undefined members are left out as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return write(value, null);
}

/**
 * canonicalJson of a value JSON holds without loss, else a TypeError: no functions, symbols,
 * bigints, non-finite numbers, cycles, non-plain objects or undefined array items (validate.ts's
 * rules, checked in the same walk that writes the text: the store's append walks its data once).
 */
export function strictCanonicalJson(value: unknown): string {
  return write(value, []);
}

/** `"key":` for the keys met so far (mostly schema field names), bounded. */
const keyTexts = new Map<string, string>();

/** `ancestors`: the objects being written, in strict mode (a cycle is refused); null is lenient. */
function write(value: unknown, ancestors: object[] | null): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (Number.isFinite(value)) return JSON.stringify(value);
      if (ancestors) throw new TypeError('not JSON: a non-finite number');
      return 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (ancestors) {
        if (ancestors.includes(value)) throw new TypeError('not JSON: circular');
        if (!Array.isArray(value)) {
          const proto = Object.getPrototypeOf(value);
          if (proto !== Object.prototype && proto !== null) throw new TypeError('not JSON: not a plain object');
        }
        ancestors.push(value);
      }
      let out: string;
      if (Array.isArray(value)) {
        out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (i > 0) out += ',';
          out += !ancestors && (v === undefined || typeof v === 'function' || typeof v === 'symbol') ? 'null' : write(v, ancestors);
        }
        out += ']';
      } else {
        const obj = value as Record<string, unknown>;
        const keys = Object.keys(obj);
        // Schema output is often in order already: sort only when it is not.
        for (let i = 1; i < keys.length; i++) {
          if (keys[i - 1]! > keys[i]!) {
            keys.sort();
            break;
          }
        }
        out = '{';
        for (const k of keys) {
          const v = obj[k];
          if (v === undefined || (!ancestors && (typeof v === 'function' || typeof v === 'symbol'))) continue;
          if (out.length > 1) out += ',';
          let key = keyTexts.get(k);
          if (key === undefined) {
            key = `${JSON.stringify(k)}:`;
            if (keyTexts.size < 10_000) keyTexts.set(k, key);
          }
          out += key + write(v, ancestors);
        }
        out += '}';
      }
      ancestors?.pop();
      return out;
    }
    default:
      throw new TypeError(`not JSON: ${typeof value}`);
  }
}

export interface HashedFields {
  stream: string;
  revision: number;
  type: string;
  id: string;
  recordedAt: string;
  /** canonicalJson(data) and canonicalJson(metadata), computed once by the caller. */
  dataCanonical: string;
  metadataCanonical: string;
}

/**
 * The chain hash of one event: sha256 (hex) of its canonical form. Written out by hand in key order
 * (data < id < metadata < prevHash < recordedAt < revision < stream < type) so that the data's
 * canonical text, computed once, is not built again; equal to sha256(canonicalJson({...})).
 */
export function eventHash(prevHash: string, f: HashedFields): string {
  const text = `{"data":${f.dataCanonical},"id":${JSON.stringify(f.id)},"metadata":${f.metadataCanonical},` +
    `"prevHash":${JSON.stringify(prevHash)},"recordedAt":${JSON.stringify(f.recordedAt)},"revision":${canonicalJson(f.revision)},` +
    `"stream":${JSON.stringify(f.stream)},"type":${JSON.stringify(f.type)}}`;
  return hash('sha256', text, 'hex'); // one-shot: half the cost of createHash for an event's few hundred bytes
}
