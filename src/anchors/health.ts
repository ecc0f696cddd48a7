import type { App } from '../app/app.js';
import { SqliteEventStore } from '../eventstore/sqlite.js';
import type { Anchor } from './anchor.js';
import { lastAnchor } from './file.js';
import { anchorFileOf } from './settings.js';

/** /health's lastAnchor: the anchor file's last line (also one `tiendo anchor` wrote); null without one, or on EventStoreDB. */
export function lastAnchorOf(app: App): Anchor | { error: string } | null {
  if (!(app.store instanceof SqliteEventStore)) return null;
  try {
    return lastAnchor(anchorFileOf(app.config));
  } catch (error) {
    return { error: `the anchor file cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}
