import { DateTime } from 'luxon';
import { ZONE, dateOfInstant } from '../periods/dates.js';

/** The calendar date in Vietnam at a UTC instant. */
export const dateAt = dateOfInstant;

/** Whole days from date `a` to date `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round(DateTime.fromISO(b, { zone: ZONE }).diff(DateTime.fromISO(a, { zone: ZONE }), 'days').days);
}
