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
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (i > 0) out += ',';
          out += v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 'null' : canonicalJson(v);
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
      }
      return `${out}}`;
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
