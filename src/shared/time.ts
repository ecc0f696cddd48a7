import { DateTime } from 'luxon';
import { ZONE } from './schemas.js';

/** The calendar date in Vietnam at a UTC instant. */
export function dateAt(instant: string): string {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone(ZONE).toISODate()!;
}

/** Whole days from date `a` to date `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round(DateTime.fromISO(b, { zone: ZONE }).diff(DateTime.fromISO(a, { zone: ZONE }), 'days').days);
}

/** The instant a calendar date ends in Vietnam (exclusive bound), as UTC ISO-8601. */
export function endOfDate(date: string): string {
  return DateTime.fromISO(date, { zone: ZONE }).plus({ days: 1 }).toUTC().toISO()!;
}
