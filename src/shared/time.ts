import { DateTime } from 'luxon';
import { ZONE, dateOfInstant } from '../periods/dates.js';

/** The calendar date in Vietnam at a UTC instant. */
export const dateAt = dateOfInstant;

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Days since 1970-01-01 of a real YYYY-MM-DD calendar date; NaN for anything else (2026-02-30 included). */
function dayNumber(date: string): number {
  const ms = DATE_RE.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? Number.NaN : ms / DAY_MS;
}

/**
 * Whole days from date `a` to date `b` (positive when b is later). Calendar dates count whole days
 * whatever the zone, so two YYYY-MM-DD dates need no zone rules: every task's status computes this
 * (luxon made it the largest cost of unitProgress, bench/README.md); other forms go through luxon.
 */
export function daysBetween(a: string, b: string): number {
  const days = dayNumber(b) - dayNumber(a);
  if (!Number.isNaN(days)) return days;
  return Math.round(DateTime.fromISO(b, { zone: ZONE }).diff(DateTime.fromISO(a, { zone: ZONE }), 'days').days);
}
