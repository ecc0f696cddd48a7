import { z } from 'zod';
import { type EventsOf, id, instant } from '../shared/schemas.js';

/**
 * One webhook delivery across replicas (issue 15). Every replica that applies an event decides
 * the same deliveries (the same deterministic delivery id); which one sends an attempt is settled
 * in the event store, on the delivery's own stream `delivery-<id>`: an attempt is claimed by
 * appending WebhookDeliveryClaimed at the stream's revision, so of several replicas exactly one
 * succeeds and the others get a wrong-expected-revision. The claim holds a lease: when the replica
 * that holds it dies without recording the outcome, another claims the attempt once the lease has
 * run out (the receiver may then get that attempt twice; X-Tiendo-Delivery names it). Outcomes are
 * recorded on the same stream, so every replica lists the same deliveries.
 */
const attempt = z.number().int().min(1).max(1000);
export const deliveryEventSchemas = {
  WebhookDeliveryClaimed: z.object({
    deliveryId: id, webhookId: id, eventId: id, attempt,
    /** Which process claimed it (host:pid), for operators. */
    replica: z.string().min(1).max(200),
    leaseUntil: instant,
  }),
  WebhookDeliveryAttempted: z.object({
    deliveryId: id, webhookId: id, eventId: id, attempt,
    outcome: z.enum(['DELIVERED', 'RETRY', 'FAILED']),
    statusCode: z.number().int().min(100).max(999).nullable(),
    error: z.string().max(300).nullable(),
    /** For RETRY: when the next attempt may be claimed. */
    nextAttemptAt: instant.nullable(),
  }),
};
export type DeliveryEvent = EventsOf<typeof deliveryEventSchemas>;

export const deliveryStream = (deliveryId: string) => `delivery-${deliveryId}`;
export const isDeliveryStream = (stream: string) => stream.startsWith('delivery-');

export interface DeliveryState {
  /** Revision of the stream's last event: a claim is appended expecting it. */
  revision: number;
  /** Attempts whose outcome is recorded. */
  attempts: number;
  status: 'CLAIMED' | 'DELIVERED' | 'RETRY' | 'FAILED';
  /** CLAIMED: until when; RETRY: when the next attempt may be claimed. */
  until: string | null;
  statusCode: number | null;
  error: string | null;
}

export function evolveDelivery(state: DeliveryState | null, event: DeliveryEvent, revision: number): DeliveryState {
  switch (event.type) {
    case 'WebhookDeliveryClaimed':
      return { attempts: state?.attempts ?? 0, statusCode: state?.statusCode ?? null, error: state?.error ?? null, revision, status: 'CLAIMED', until: event.data.leaseUntil };
    case 'WebhookDeliveryAttempted': {
      const d = event.data;
      return { revision, attempts: d.attempt, status: d.outcome, until: d.nextAttemptAt, statusCode: d.statusCode, error: d.error };
    }
    default: {
      const never: never = event;
      return never;
    }
  }
}

export type ClaimDecision =
  | { kind: 'claim'; attempt: number; expectedRevision: number | 'no_stream' }
  /** Another replica holds the attempt, or the next one is not due: look again at `at`. */
  | { kind: 'wait'; at: string }
  | { kind: 'settled'; status: 'DELIVERED' | 'FAILED' };

/** Whether this replica may claim the delivery's next attempt now. */
export function decideClaim(state: DeliveryState | null, now: string): ClaimDecision {
  if (!state) return { kind: 'claim', attempt: 1, expectedRevision: 'no_stream' };
  switch (state.status) {
    case 'DELIVERED':
    case 'FAILED':
      return { kind: 'settled', status: state.status };
    case 'CLAIMED':
    case 'RETRY':
      // A claim whose lease ran out was made by a replica that went silent: its attempt is made again.
      if (state.until && state.until > now) return { kind: 'wait', at: state.until };
      return { kind: 'claim', attempt: state.attempts + 1, expectedRevision: state.revision };
    default: {
      const never: never = state.status;
      return never;
    }
  }
}
