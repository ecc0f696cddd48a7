import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Anchor } from '../anchors/anchor.js';
import { checkAnchors } from '../anchors/check.js';
import { readAnchors } from '../anchors/file.js';
import { recordAnchor } from '../anchors/record.js';
import { anchorFileOf, checkingKey, signingKey } from '../anchors/settings.js';
import type { Config } from '../config.js';
import { err, eventsFile, out, sqliteOnly } from './output.js';

const describe = (line: number, a: Anchor | null) =>
  a ? `anchor at line ${line} (position ${a.position}, recorded ${a.at})` : `line ${line}`;

/** `tiendo anchor`: signs the store's head now and appends it to the anchor file (also while the server runs). */
export function anchorCommand(config: Config): number {
  if (!sqliteOnly(config, 'anchor')) return 2;
  const store = eventsFile(config);
  if (!existsSync(store)) {
    err(`tiendo anchor: no event store at ${store}`);
    return 2;
  }
  const file = anchorFileOf(config);
  const r = recordAnchor({ eventsFile: store, anchorFile: file, key: signingKey(config), now: new Date().toISOString(), always: true });
  if ('skipped' in r) {
    err(`tiendo anchor: nothing to anchor: ${r.skipped}`);
    return 1;
  }
  out(`anchor written to ${file}: position ${r.written.position}, head hash ${r.written.hash}, at ${r.written.at}`);
  return 0;
}

/**
 * `tiendo verify … --anchors FILE`: every anchor of the file must be signed with the anchor key and
 * match the store. Prints the verdict, each failing anchor named; the exit code (0, 1, or 2 when it
 * cannot check).
 */
export function verifyAnchors(config: Config, store: string, anchorsFile: string): number {
  const file = resolve(anchorsFile);
  if (!existsSync(file)) {
    err(`tiendo verify: no anchor file at ${file}`);
    return 2;
  }
  const key = checkingKey(config);
  if (!key) {
    err(`tiendo verify: no anchor key to check ${file} with: set TIENDO_ANCHOR_KEY, or TIENDO_DATA to the data directory holding anchor-key`);
    return 2;
  }
  const lines = readAnchors(file);
  if (lines.length === 0) {
    err(`ANCHORS: ${file} holds no anchor: nothing to check the store against`);
    return 1;
  }
  const db = new Database(store, { readonly: true, fileMustExist: true });
  let check;
  try {
    check = checkAnchors(db, lines, key);
  } finally {
    db.close();
  }
  for (const p of check.problems) err(`ANCHOR FAILED: ${describe(p.line, p.anchor)} in ${file}: ${p.reason}`);
  if (check.problems.length) {
    err(`${check.problems.length} of ${lines.length} anchors fail`);
    return 1;
  }
  out(`ok: ${check.matched} anchors of ${file} match the store; the latest: ${describe(check.latest!.line, check.latest!.anchor)}`);
  return 0;
}
