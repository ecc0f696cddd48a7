import type { Logger } from 'pino';
import type { App } from '../app/app.js';
import { SqliteEventStore } from '../eventstore/sqlite.js';
import { recordAnchor } from './record.js';
import { anchorFileOf, signingKey } from './settings.js';

export type AnchorReason = 'interval' | 'shutdown';

/**
 * `serve`'s anchors: one every TIENDO_ANCHOR_INTERVAL and one at shutdown, each appended to the
 * anchor file and logged (so a log shipper keeps a copy); an interval's is skipped while the head stands
 * still, the shutdown's never is: it records where the store stood when this server stopped, even if an
 * interval anchor of the same head was written a moment before.
 */
export class AnchorRecorder {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: {
    eventsFile: string; anchorFile: string; key: Uint8Array; intervalMs: number; log: Logger; clock: () => string;
  }) {}

  start(): void {
    if (this.o.intervalMs > 0) this.timer = setInterval(() => this.record('interval'), this.o.intervalMs).unref();
  }

  /** Never throws: an anchor that cannot be written is logged, and the server goes on. */
  record(reason: AnchorReason): void {
    try {
      const r = recordAnchor({ eventsFile: this.o.eventsFile, anchorFile: this.o.anchorFile, key: this.o.key, now: this.o.clock(), always: reason === 'shutdown' });
      if ('written' in r) this.o.log.info({ anchor: r.written, reason, file: this.o.anchorFile }, 'anchor recorded');
      else this.o.log.debug({ reason, skipped: r.skipped }, 'no anchor recorded');
    } catch (error) {
      this.o.log.error({ err: error, reason, file: this.o.anchorFile }, 'recording an anchor failed');
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The recorder for a server on the embedded store (EventStoreDB keeps no hash chain to anchor): started. */
export function startAnchors(app: App, log: Logger, clock: () => string = () => new Date().toISOString()): AnchorRecorder | undefined {
  if (!(app.store instanceof SqliteEventStore)) return undefined;
  const recorder = new AnchorRecorder({
    eventsFile: app.store.file, anchorFile: anchorFileOf(app.config), key: signingKey(app.config),
    intervalMs: app.config.TIENDO_ANCHOR_INTERVAL, log, clock,
  });
  recorder.start();
  return recorder;
}
