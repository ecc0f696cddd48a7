import { z } from 'zod';
import { parse } from '../app/parse.js';
import { type CommandContext, type CommandResult, runCommand } from '../app/run-command.js';
import { authorize } from '../auth/policy.js';
import { ErrorCode, TiendoError, alreadyExists, badInput } from '../errors.js';
import type { EventStore } from '../eventstore/port.js';
import { eventTypes } from '../events.js';
import type { Views } from '../runner/views.js';
import { readableId } from '../shared/ids.js';
import { id, optionalText } from '../shared/schemas.js';
import { type WebhookEvent, type WebhookState, evolveWebhook, webhookStream } from './events.js';
import { newSalt } from './secret.js';

/** An absolute http(s) URL without credentials in it (they would travel and be logged with the URL). */
export const WebhookUrl = z.string().trim().max(2000, 'must be at most 2000 characters').superRefine((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, not ${url.protocol}` });
  else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
});

export const RegisterWebhook = z.object({
  id: id.optional(),
  unitId: id,
  url: WebhookUrl,
  kinds: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
  includeDescendants: z.boolean().default(true),
});

export const RemoveWebhook = z.object({ webhookId: id, reason: optionalText(2000) });

export const webhookNotFound = (webhookId: string) =>
  new TiendoError(ErrorCode.NOT_FOUND, `webhook ${webhookId} not found`, 'WEBHOOK_NOT_FOUND', { id: webhookId });

/** Registering and removing webhooks: events on `webhook-<id>`, through the same command path as everything else. */
export class WebhookCommands {
  constructor(private readonly store: EventStore, private readonly views: () => Views) {}

  register(input: Record<string, unknown>, ctx: CommandContext): Promise<CommandResult<WebhookState>> {
    const seed = ctx.clientMutationId ? `${ctx.actor.id}|${ctx.clientMutationId}` : undefined;
    const data = parse(RegisterWebhook, { ...input, id: input.id ?? readableId('WH', seed) });
    const unknown = data.kinds.filter((k) => !eventTypes.has(k));
    if (unknown.length) throw badInput(`kinds: unknown event type(s) ${unknown.join(', ')}`, { unknown });
    const webhookId = data.id!;
    const views = this.views();
    return runCommand<WebhookState, WebhookEvent>(this.store, {
      stream: webhookStream(webhookId),
      initial: null,
      evolve: evolveWebhook,
      decide: (state) => {
        authorize('registerWebhook', ctx.actor, data.unitId, views);
        if (state) throw alreadyExists('webhook', webhookId);
        return [{
          type: 'WebhookRegistered',
          data: { webhookId, unitId: data.unitId, url: data.url, kinds: [...new Set(data.kinds)], includeDescendants: data.includeDescendants, salt: newSalt() },
          reason: `Đăng ký webhook cho đơn vị ${data.unitId}`,
        }];
      },
    }, ctx);
  }

  remove(input: unknown, ctx: CommandContext): Promise<CommandResult<WebhookState>> {
    const data = parse(RemoveWebhook, input);
    const views = this.views();
    return runCommand<WebhookState, WebhookEvent>(this.store, {
      stream: webhookStream(data.webhookId),
      initial: null,
      evolve: evolveWebhook,
      decide: (state) => {
        if (!state || state.removedAt) throw webhookNotFound(data.webhookId);
        authorize('removeWebhook', ctx.actor, state.unitId, views);
        return [{ type: 'WebhookRemoved', data: { webhookId: data.webhookId }, reason: data.reason ?? 'Gỡ webhook' }];
      },
    }, ctx);
  }
}
