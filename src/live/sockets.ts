/**
 * The GraphQL WebSocket before mercurius reads it (issue 16): frames larger than
 * LIMITS.wsMessage are refused by `ws` itself (close 1009); every other frame must be a message
 * of the socket's protocol (graphql-transport-ws, or the legacy graphql-ws), in order, or the
 * socket is closed with graphql-ws' code for what is wrong. A refused frame never reaches
 * mercurius, so nothing it does with odd input (answer, log, re-initialise) can happen.
 */
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import { LIMITS } from '../api/hardening.js';

/** graphql-ws' close codes (github.com/enisdenjo/graphql-ws, PROTOCOL.md) that tiendo sends. */
export const CloseCode = {
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  SubscriberAlreadyExists: 4409,
  TooManyInitialisationRequests: 4429,
} as const;

/** A close frame's reason is at most 123 bytes; tiendo's reasons are ASCII, cut at 120. */
export function closeSocket(socket: Pick<WebSocket, 'close'>, code: number, reason: string): void {
  try {
    socket.close(code, Buffer.from(reason).subarray(0, 120).toString());
  } catch {
    // already closed
  }
}

const id = z.string().min(1).max(100);
const payload = z.record(z.string(), z.unknown()).nullish();
const operation = z.object({
  query: z.string(),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
  extensions: z.record(z.string(), z.unknown()).nullish(),
});

/** What a client may send, by subprotocol. */
const ClientMessage = {
  'graphql-transport-ws': z.discriminatedUnion('type', [
    z.object({ type: z.literal('connection_init'), payload }),
    z.object({ type: z.literal('ping'), payload }),
    z.object({ type: z.literal('pong'), payload }),
    z.object({ type: z.literal('subscribe'), id, payload: operation }),
    z.object({ type: z.literal('complete'), id }),
  ]),
  'graphql-ws': z.discriminatedUnion('type', [
    z.object({ type: z.literal('connection_init'), payload }),
    z.object({ type: z.literal('start'), id, payload: operation }),
    z.object({ type: z.literal('stop'), id }),
    z.object({ type: z.literal('connection_terminate') }),
  ]),
} as const;

type Verdict = { ok: true } | { ok: false; code: number; reason: string };

/** One socket's order of messages: connection_init once, and before any operation. */
function checker(protocol: string) {
  const schema = ClientMessage[protocol as keyof typeof ClientMessage];
  let initialised = false;
  let refused = false;
  const refuse = (code: number, reason: string): Verdict => {
    refused = true;
    return { ok: false, code, reason };
  };
  return (data: RawData): Verdict => {
    if (!schema) return { ok: true }; // mercurius closes an unknown subprotocol itself (1002)
    if (refused) return { ok: false, code: 0, reason: '' }; // frames still arriving on a socket being closed
    let json: unknown;
    try {
      json = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    } catch {
      return refuse(CloseCode.BadRequest, 'Bad request: a message must be JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return refuse(CloseCode.BadRequest, `Bad request: ${issue.path.join('.') || 'message'}: ${issue.message}`);
    }
    const { type } = parsed.data;
    if (type === 'connection_init') {
      if (initialised) return refuse(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
      initialised = true;
    } else if ((type === 'subscribe' || type === 'start') && !initialised) {
      return refuse(CloseCode.Unauthorized, 'Unauthorized: connection_init first');
    }
    return { ok: true };
  };
}

/**
 * Registers @fastify/websocket (before mercurius, which then uses it) with tiendo's frame limit,
 * and the message check on every socket. A socket's errors (a frame too large, a broken
 * connection) are the client's doing: logged at info, the socket dropped.
 */
export async function registerSockets(server: FastifyInstance): Promise<void> {
  await server.register(fastifyWebsocket, {
    options: { maxPayload: LIMITS.wsMessage },
    errorHandler: (error, socket, request) => {
      request.log.info({ err: error }, 'websocket closed on error');
      socket.terminate();
    },
  });
  server.websocketServer.on('connection', (socket: WebSocket) => {
    const check = checker(socket.protocol);
    const emit = socket.emit.bind(socket);
    // mercurius reads the socket's 'message' events itself: a refused frame must not be emitted at all.
    socket.emit = (event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'message') {
        const verdict = check(args[0] as RawData);
        if (!verdict.ok) {
          if (verdict.code) closeSocket(socket, verdict.code, verdict.reason);
          return false;
        }
      }
      return emit(event, ...args);
    };
  });
}
