import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveSecret } from '../auth/tokens.js';
import type { Config } from '../config.js';

/** Where anchors go: TIENDO_ANCHOR_FILE, else anchors.jsonl in the data directory. */
export const anchorFileOf = (config: Config) => resolve(config.TIENDO_ANCHOR_FILE ?? join(resolve(config.TIENDO_DATA), 'anchors.jsonl'));

export const KEY_FILE = 'anchor-key';

/** The key the server signs with: TIENDO_ANCHOR_KEY, else one made once and kept in the data dir (as auth-secret). */
export const signingKey = (config: Config) => resolveSecret(config.TIENDO_ANCHOR_KEY, resolve(config.TIENDO_DATA), KEY_FILE);

/** The key to check anchors with, found the same way but never made: null when there is none. */
export function checkingKey(config: Config): Uint8Array | null {
  if (config.TIENDO_ANCHOR_KEY || existsSync(join(resolve(config.TIENDO_DATA), KEY_FILE))) return signingKey(config);
  return null;
}
