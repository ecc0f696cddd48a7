import { z } from 'zod';
import { type EventsOf, id } from '../shared/schemas.js';

/**
 * Webhooks are registered and removed by events on `webhook-<id>`, so they survive restarts and
 * every replica knows them. The signing secret is never stored: it is derived from the server's
 * webhook key and the registration's random `salt` (see secret.ts), returned once.
 */
export const webhookEventSchemas = {
  WebhookRegistered: z.object({
    webhookId: id,
    unitId: id,
    url: z.string().min(8).max(2000),
    /** Event types delivered; empty: every kind. */
    kinds: z.array(z.string().min(1).max(100)).max(100),
    /** Events of units below `unitId` too. */
    includeDescendants: z.boolean(),
    salt: z.string().min(16).max(100),
  }),
  WebhookRemoved: z.object({ webhookId: id }),
};
export type WebhookEvent = EventsOf<typeof webhookEventSchemas>;

export const webhookStream = (webhookId: string) => `webhook-${webhookId}`;

/** A registration as its stream tells it. */
export interface Webhook {
  id: string;
  unitId: string;
  url: string;
  kinds: string[];
  includeDescendants: boolean;
  salt: string;
  registeredAt: string;
  removedAt: string | null;
}
export type WebhookState = Webhook | null;

export function evolveWebhook(state: WebhookState, event: WebhookEvent, at: string): WebhookState {
  switch (event.type) {
    case 'WebhookRegistered': {
      const d = event.data;
      return {
        id: d.webhookId, unitId: d.unitId, url: d.url, kinds: d.kinds, includeDescendants: d.includeDescendants, salt: d.salt,
        registeredAt: at, removedAt: null,
      };
    }
    case 'WebhookRemoved':
      return state ? { ...state, removedAt: at } : state;
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** The read model's row: the registration, who made it (deliveries respect what they may see) and where. */
export interface WebhookView extends Webhook {
  owner: { id: string; role: string; unit: string };
  /** Global position of the registration: only events after it are delivered. */
  position: string;
  version: number;
}
