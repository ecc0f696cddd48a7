import { describe, expect, it } from 'vitest';
import { type DeliveryEvent, type DeliveryState, decideClaim, evolveDelivery } from '../../src/webhooks/delivery.js';

/** Who may send a webhook delivery's next attempt (src/webhooks/delivery.ts): the stream folded, then decided at `now`. */
const ids = { deliveryId: 'd1', webhookId: 'w1', eventId: 'e1' };
const claimed = (attempt: number, leaseUntil: string): DeliveryEvent =>
  ({ type: 'WebhookDeliveryClaimed', data: { ...ids, attempt, replica: 'host:1', leaseUntil } });
const attempted = (attempt: number, outcome: 'DELIVERED' | 'RETRY' | 'FAILED', nextAttemptAt: string | null = null): DeliveryEvent =>
  ({ type: 'WebhookDeliveryAttempted', data: { ...ids, attempt, outcome, statusCode: outcome === 'DELIVERED' ? 204 : 500, error: null, nextAttemptAt } });
const fold = (events: DeliveryEvent[]) => events.reduce<DeliveryState | null>((s, e, i) => evolveDelivery(s, e, i), null);
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 8, 0, s)).toISOString();

describe('claiming a webhook delivery', () => {
  it('given no stream: claims attempt 1 expecting no stream', () => {
    expect(decideClaim(fold([]), T(0))).toEqual({ kind: 'claim', attempt: 1, expectedRevision: 'no_stream' });
  });

  it('given a claim whose lease runs: waits until it ends', () => {
    expect(decideClaim(fold([claimed(1, T(30))]), T(10))).toEqual({ kind: 'wait', at: T(30) });
  });

  it('given a claim whose lease ran out (its replica went silent): takes the same attempt over at the claim revision', () => {
    expect(decideClaim(fold([claimed(1, T(30))]), T(31))).toEqual({ kind: 'claim', attempt: 1, expectedRevision: 0 });
  });

  it('given a failed attempt to retry later: waits for it, then claims the next attempt', () => {
    const state = fold([claimed(1, T(30)), attempted(1, 'RETRY', T(5))]);
    expect(decideClaim(state, T(4))).toEqual({ kind: 'wait', at: T(5) });
    expect(decideClaim(state, T(5))).toEqual({ kind: 'claim', attempt: 2, expectedRevision: 1 });
  });

  it('given an outcome that settles it: nothing more to send', () => {
    expect(decideClaim(fold([claimed(1, T(30)), attempted(1, 'DELIVERED')]), T(40))).toEqual({ kind: 'settled', status: 'DELIVERED' });
    expect(decideClaim(fold([claimed(1, T(30)), attempted(1, 'RETRY', T(1)), claimed(2, T(60)), attempted(2, 'FAILED')]), T(90)))
      .toEqual({ kind: 'settled', status: 'FAILED' });
  });
});
