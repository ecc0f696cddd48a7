import type { WebSocket } from 'ws';
import type { Metrics } from '../ops/metrics.js';
import { CloseCode, closeSocket } from './sockets.js';

/** setTimeout fires at once for a delay above this (≈ 24.8 days); a 30-day token waits in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One authenticated GraphQL WebSocket (issue 16): it lasts as long as its token. At the token's
 * `exp` the socket is closed (4403, "Forbidden: the token has expired"); the client reconnects
 * with a fresh token. The session owns the socket's subscriptions too: when the socket closes,
 * for whatever reason, every one of them ends (mercurius loses track of one whose id was reused).
 */
export class LiveSession {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, AsyncIterator<unknown>>();
  private ended = false;

  /** False once the socket has closed. */
  get open(): boolean {
    return !this.ended;
  }

  constructor(private readonly socket: WebSocket, expiresAtMs: number, private readonly metrics: Metrics) {
    metrics.wsConnections.inc();
    socket.once('close', () => this.end());
    this.expireAt(expiresAtMs);
  }

  private expireAt(ms: number): void {
    const left = ms - Date.now();
    if (left <= 0) {
      closeSocket(this.socket, CloseCode.Forbidden, 'Forbidden: the token has expired');
      return;
    }
    this.timer = setTimeout(() => this.expireAt(ms), Math.min(left, MAX_TIMER_MS));
    this.timer.unref();
  }

  /**
   * Registers a subscription by its message id. False (and the socket closed, 4409 as graphql-ws
   * says) when one with that id is running, or the socket has closed meanwhile: the caller ends it.
   */
  start(id: string, iterator: AsyncIterator<unknown>): boolean {
    if (this.ended) return false;
    if (this.running.has(id)) {
      closeSocket(this.socket, CloseCode.SubscriberAlreadyExists, `Subscriber for ${id.slice(0, 80)} already exists`);
      return false;
    }
    this.running.set(id, iterator);
    return true;
  }

  /** The subscription `id` has ended (client stop, error, socket close). */
  stopped(id: string, iterator: AsyncIterator<unknown>): void {
    if (this.running.get(id) === iterator) this.running.delete(id);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.metrics.wsConnections.dec();
    for (const iterator of [...this.running.values()]) void iterator.return?.();
    this.running.clear();
  }
}
