import { DateTime } from 'luxon';

/** Every calendar date in tiendo is a day in Vietnam, whatever zone the server runs in. */
export const ZONE = 'Asia/Ho_Chi_Minh';

/** A validated calendar date, `YYYY-MM-DD`; as strings they sort chronologically. */
export type CalendarDate = string;

export class DateError extends Error {
  readonly code = 'INVALID_DATE';
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(input)}: ${reason}`);
    this.name = 'DateError';
  }
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// An instant without an offset would silently take the server's zone: require one.
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T.*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/** Returns `s` when it is a real `YYYY-MM-DD` date; throws DateError otherwise. */
export function parseDate(s: string): CalendarDate {
  const m = DATE_RE.exec(s);
  if (!m) throw new DateError(s, 'expected a date of the form YYYY-MM-DD');
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) throw new DateError(s, `month ${month} does not exist`);
  const daysInMonth = DateTime.utc(year, month, 1).daysInMonth ?? 0;
  if (day < 1 || day > daysInMonth) {
    throw new DateError(s, `${m[1]}-${m[2]} has ${daysInMonth} days`);
  }
  return s;
}

/** Vietnam has kept UTC+7 without daylight saving since 13 June 1975. */
const FIXED_OFFSET_SINCE = Date.UTC(1975, 5, 13);
const UTC_PLUS_7 = 7 * 3_600_000;

/** The calendar date in Vietnam at an ISO-8601 instant that carries an offset (`Z`, `+07:00`). */
export function dateOfInstant(iso: string): CalendarDate {
  // The hot path (every status, every event folded) skips luxon's zone rules where the offset is fixed.
  const ms = INSTANT_RE.test(iso) ? Date.parse(iso) : Number.NaN;
  if (ms >= FIXED_OFFSET_SINCE) return new Date(ms + UTC_PLUS_7).toISOString().slice(0, 10);
  return instant(iso).setZone(ZONE).toISODate() as CalendarDate;
}

/** The instant (ms) the Vietnamese date after the one at `ms` begins: when "today" next changes. */
export function nextDayStartMillis(ms: number): number {
  const DAY = 86_400_000;
  if (ms >= FIXED_OFFSET_SINCE) return (Math.floor((ms + UTC_PLUS_7) / DAY) + 1) * DAY - UTC_PLUS_7;
  return DateTime.fromMillis(ms, { zone: ZONE }).startOf('day').plus({ days: 1 }).toMillis();
}

/** Today's date in Vietnam; the caller passes the clock's instant so that nothing here reads it. */
export const today: (nowIso: string) => CalendarDate = dateOfInstant;

/** Milliseconds since the epoch of an ISO-8601 instant with an offset; throws DateError otherwise. */
export function instantMillis(iso: string): number {
  return instant(iso).toMillis();
}

function instant(iso: string): DateTime {
  const dt = INSTANT_RE.test(iso) ? DateTime.fromISO(iso) : null;
  if (!dt?.isValid) throw new DateError(iso, 'expected an ISO-8601 instant with an offset, e.g. 2026-11-14T17:30:00Z');
  return dt;
}

export function compareDates(a: CalendarDate, b: CalendarDate): -1 | 0 | 1 {
  const [x, y] = [parseDate(a), parseDate(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Calendar arithmetic runs in UTC, not in ZONE: a date has no time of day, and a zone's
 * historical offset changes (Vietnam had several before 1975) must not shift it.
 */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  if (!Number.isSafeInteger(days)) throw new RangeError(`addDays: ${days} is not a whole number of days`);
  return DateTime.fromISO(parseDate(date), { zone: 'utc' }).plus({ days }).toISODate() as CalendarDate;
}
