import { z } from 'zod';

import { ZONE, parseDate } from '../periods/dates.js';

const isRealDate = (s: string) => {
  try {
    parseDate(s);
    return true;
  } catch {
    return false;
  }
};

/** Calendar dates are read in Vietnam's zone; instants are UTC ISO-8601. */
export { ZONE };

/** A real calendar date: 2026-13-45 and 2026-02-30 are refused. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(isRealDate, 'is not a real calendar date');

export const instant = z.iso.datetime({ offset: true });

export const text = (max: number) =>
  z.string().trim().min(1, 'must not be blank').max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
export const optionalText = (max: number) =>
  z.string().trim().max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters').optional();

export const id = z.string().trim().min(1).max(100).regex(/^[\p{L}\p{N}_.:\/-]+$/u, 'may hold letters, digits and _ . : / - only');

export const Role = z.enum(['focal_point', 'inspector', 'leader', 'admin']);
export type Role = z.infer<typeof Role>;

export const Actor = z.object({ id: z.string().min(1), role: Role, unit: z.string().min(1) });
export type Actor = z.infer<typeof Actor>;

export const BasisKind = z.enum(['DOCUMENT', 'OBSTACLE', 'FINDING', 'INSPECTION', 'REPORT']);
export const Basis = z.object({ kind: BasisKind, ref: text(300) });
export type Basis = z.infer<typeof Basis>;

/** Metadata of every stored event (DESIGN §3). reason/basis accompany every change to a commitment. */
export const EventMetadata = z.object({
  schemaVersion: z.number().int().min(1),
  actor: Actor,
  occurredAt: instant,
  correlationId: z.string(),
  causationId: z.string().nullable(),
  reason: z.string().optional(),
  basis: z.array(Basis).default([]),
  clientMutationId: z.string().optional(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** An event as a decider emits it: its data, and the why of it. */
export interface Decided<T extends string = string, D = unknown> {
  type: T;
  data: D;
  reason?: string;
  basis?: Basis[];
}

/** Builds a tagged union of events from a record of zod schemas, one per event type. */
export type EventsOf<S extends Record<string, z.ZodType>> = {
  [K in keyof S & string]: Decided<K, z.infer<S[K]>>;
}[keyof S & string];

/** A stored event after decoding: typed data plus its metadata and place in the store. */
export interface Envelope<E extends Decided = Decided> {
  id: string;
  stream: string;
  revision: number;
  position: string;
  recordedAt: string;
  type: E['type'];
  data: E['data'];
  meta: EventMetadata;
}
