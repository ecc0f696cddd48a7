import { decodeCursor, encodeCursor, pageSize } from '../api/connection.js';
import { type Ctx, type Source, actorNode, source, unitNode } from '../api/nodes.js';
import { dropNulls } from '../api/resolvers/mutations.js';
import type { CommandContext } from '../app/run-command.js';
import { authorize } from '../auth/policy.js';
import { badInput, notFound } from '../errors.js';
import type { WebhookView } from './events.js';
import { type WebhookCommands, webhookNotFound } from './commands.js';
import type { WebhookDispatcher } from './dispatcher.js';
import { webhookSecret } from './secret.js';

type WebhookNode = WebhookView & { __src: Source };
type Input = Record<string, unknown> & { clientMutationId?: string | null; expectedVersion?: number | null };

function commandContext(ctx: Ctx, input: Input): CommandContext {
  return {
    actor: ctx.actor, now: ctx.now, correlationId: ctx.correlationId ?? ctx.requestId,
    causationId: null, clientMutationId: input.clientMutationId ?? null, expectedVersion: input.expectedVersion ?? null,
  };
}

function split(input: Input) {
  const { clientMutationId: _c, expectedVersion: _v, ...rest } = dropNulls(input) as Input;
  return rest;
}

export interface WebhookDeps {
  commands: WebhookCommands;
  dispatcher: WebhookDispatcher;
  /** Key the secrets derive from (TIENDO_WEBHOOK_KEY, else the token secret). */
  key: Uint8Array | string;
}

/**
 * registerWebhook / removeWebhook, `webhooks(unitId)` and `webhookDeliveries(webhookId)`.
 * Leaders only, for their unit or units below it (policy.ts). The secret is in the
 * registration's payload and nowhere else.
 */
export function webhookResolvers(deps: WebhookDeps) {
  const node = (wh: WebhookView, ctx: Ctx): WebhookNode => ({ ...wh, __src: source(ctx.tiendo.runner.views, ctx.now, false) });
  const visible = (ctx: Ctx, webhookId: string): WebhookView => {
    const wh = ctx.tiendo.runner.views.webhooks.get(webhookId);
    if (!wh) throw webhookNotFound(webhookId);
    authorize('readWebhooks', ctx.actor, wh.unitId, ctx.tiendo.runner.views);
    return wh;
  };
  const deliveries = (webhookId: string, args: { first?: number | null; after?: string | null }) => {
    const first = pageSize(args.first);
    const after = decodeCursor(args.after);
    if (after !== undefined && !/^\d+$/.test(after)) throw badInput('after is not a cursor this API gave out');
    const page = deps.dispatcher.deliveries(webhookId, first, after === undefined ? undefined : Number(after));
    const edges = page.rows.map((r) => ({ node: r, cursor: encodeCursor(String(r.seq)) }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: page.totalCount };
  };

  return {
    Query: {
      webhooks: (_: unknown, args: { unitId: string }, ctx: Ctx) => {
        const views = ctx.tiendo.runner.views;
        if (!views.units.has(args.unitId)) throw notFound('UNIT', args.unitId);
        authorize('readWebhooks', ctx.actor, args.unitId, views);
        return [...views.webhooks.values()].filter((w) => views.isWithin(w.unitId, args.unitId))
          .sort((a, b) => (a.registeredAt < b.registeredAt ? -1 : 1)).map((w) => node(w, ctx));
      },
      webhookDeliveries: (_: unknown, args: { webhookId: string; first?: number | null; after?: string | null }, ctx: Ctx) =>
        deliveries(visible(ctx, args.webhookId).id, args),
    },
    Mutation: {
      registerWebhook: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
        const result = await deps.commands.register(split(input), commandContext(ctx, input));
        await ctx.tiendo.runner.waitFor(result.position);
        const data = result.events[0]!.data as { webhookId: string; salt: string };
        return {
          clientMutationId: input.clientMutationId ?? null, position: result.position,
          webhook: node(ctx.tiendo.runner.views.webhooks.get(data.webhookId)!, ctx),
          secret: webhookSecret(deps.key, data.webhookId, data.salt),
        };
      },
      removeWebhook: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
        const result = await deps.commands.remove(split(input), commandContext(ctx, input));
        await ctx.tiendo.runner.waitFor(result.position);
        const { webhookId } = result.events[0]!.data as { webhookId: string };
        return { clientMutationId: input.clientMutationId ?? null, position: result.position, webhook: node(ctx.tiendo.runner.views.webhooks.get(webhookId)!, ctx) };
      },
    },
    Webhook: {
      unit: (w: WebhookNode) => unitNode(w.__src.views.units.get(w.unitId), w.__src),
      active: (w: WebhookNode) => w.removedAt === null,
      registeredBy: (w: WebhookNode) => actorNode(w.owner, w.__src),
      deliveries: (w: WebhookNode, args: { first?: number | null; after?: string | null }) => deliveries(w.id, args),
    },
  };
}
