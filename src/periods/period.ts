/**
 * Reporting periods and their data cut-off windows (Decree 09/2019/NĐ-CP, art. 12): a period
 * named after month M collects data from the 15th of M-1 to the 14th of its last month, so
 * the window of "2026" starts on 2025-12-15. Daily and weekly periods are calendar days and
 * ISO weeks. Every date is a calendar date in Vietnam (see dates.ts).
 */
import { DateTime } from 'luxon';
import {
  addDays, compareDates, DateError, dateOfInstant, instantMillis, parseDate, type CalendarDate,
} from './dates.js';

export type PeriodKind = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'HALF_YEARLY' | 'ANNUAL';

export const PERIOD_KINDS: readonly PeriodKind[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUAL'];

export interface Period {
  readonly kind: PeriodKind;
  /** Canonical key; keys of different kinds never collide, so a key alone names its period. */
  readonly key: string;
  /** First and last day of the data cut-off window, both included. */
  readonly windowStart: CalendarDate;
  readonly windowEnd: CalendarDate;
}

export class PeriodError extends Error {
  readonly code = 'INVALID_PERIOD';
  constructor(
    readonly kind: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${kind} period ${JSON.stringify(key)}: ${reason}`);
    this.name = 'PeriodError';
  }
}

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

const KEY_FORMS: Record<PeriodKind, { re: RegExp; form: string }> = {
  DAILY: { re: /^(\d{4})-\d{2}-\d{2}$/, form: 'YYYY-MM-DD' },
  WEEKLY: { re: /^(\d{4})-W(\d{2})$/, form: 'YYYY-Www' },
  MONTHLY: { re: /^(\d{4})-(\d{2})$/, form: 'YYYY-MM' },
  QUARTERLY: { re: /^(\d{4})-Q(\d)$/, form: 'YYYY-Qn' },
  HALF_YEARLY: { re: /^(\d{4})-H(\d)$/, form: 'YYYY-Hn' },
  ANNUAL: { re: /^(\d{4})$/, form: 'YYYY' },
};

type MonthKind = Exclude<PeriodKind, 'DAILY' | 'WEEKLY'>;

/** Months each month-based period spans; 12 / span periods a year. */
const MONTH_SPAN: Record<MonthKind, number> = { MONTHLY: 1, QUARTERLY: 3, HALF_YEARLY: 6, ANNUAL: 12 };

const pad2 = (n: number): string => String(n).padStart(2, '0');

function monthKey(kind: MonthKind, year: number, index: number): string {
  switch (kind) {
    case 'MONTHLY': return `${year}-${pad2(index)}`;
    case 'QUARTERLY': return `${year}-Q${index}`;
    case 'HALF_YEARLY': return `${year}-H${index}`;
    case 'ANNUAL': return `${year}`;
  }
}

function checkYear(kind: PeriodKind, key: string, year: number): void {
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new PeriodError(kind, key, `year ${year} is outside ${MIN_YEAR}..${MAX_YEAR}`);
  }
}

function dailyPeriod(date: CalendarDate): Period {
  checkYear('DAILY', date, Number(date.slice(0, 4)));
  return { kind: 'DAILY', key: date, windowStart: date, windowEnd: date };
}

function weeklyPeriod(weekYear: number, week: number): Period {
  const key = `${weekYear}-W${pad2(week)}`;
  checkYear('WEEKLY', key, weekYear);
  // Mid-year the calendar year is the week-year, so this counts the week-year's weeks.
  const weeks = DateTime.utc(weekYear, 7, 1).weeksInWeekYear;
  if (week < 1 || week > weeks) {
    throw new PeriodError('WEEKLY', key, `week ${week} does not exist: ISO week-year ${weekYear} has ${weeks} weeks`);
  }
  const monday = DateTime.fromObject({ weekYear, weekNumber: week, weekday: 1 }, { zone: 'utc' }).toISODate() as CalendarDate;
  return { kind: 'WEEKLY', key, windowStart: monday, windowEnd: addDays(monday, 6) };
}

/** `index` counts from 1 within `year`: month 1..12, quarter 1..4, half 1..2, year 1. */
function monthPeriod(kind: MonthKind, year: number, index: number): Period {
  const key = monthKey(kind, year, index);
  checkYear(kind, key, year);
  const span = MONTH_SPAN[kind];
  const count = 12 / span;
  if (index < 1 || index > count) {
    const what = kind === 'MONTHLY' ? 'month' : kind === 'QUARTERLY' ? 'quarter' : 'half';
    throw new PeriodError(kind, key, `${what} ${index} does not exist (1..${count})`);
  }
  const lastMonth = index * span;
  // The window opens on the 15th of the month before the period's first month.
  const opening = DateTime.utc(year, lastMonth - span + 1, 15).minus({ months: 1 });
  return {
    kind, key,
    windowStart: opening.toISODate() as CalendarDate,
    windowEnd: `${year}-${pad2(lastMonth)}-14`,
  };
}

// kind arrives from GraphQL or the CLI: check it at run time too.
function checkKind(kind: PeriodKind, key: string): void {
  if (!Object.hasOwn(KEY_FORMS, kind)) throw new PeriodError(String(kind), key, 'unknown period kind');
}

function kindOfKey(key: string): PeriodKind | undefined {
  return PERIOD_KINDS.find((k) => KEY_FORMS[k].re.test(key));
}

/** The period of `kind` named `key`; throws PeriodError when the key is malformed, impossible or of another kind. */
export function parsePeriod(kind: PeriodKind, key: string): Period {
  checkKind(kind, key);
  const m = KEY_FORMS[kind].re.exec(key);
  if (!m) {
    const other = kindOfKey(key);
    throw new PeriodError(kind, key, other
      ? `this is a ${other} key, not a ${kind} one`
      : `expected the form ${KEY_FORMS[kind].form}`);
  }
  const year = Number(m[1]);
  switch (kind) {
    case 'DAILY':
      try {
        return dailyPeriod(parseDate(key));
      } catch (e) {
        if (e instanceof DateError) throw new PeriodError(kind, key, e.reason);
        throw e;
      }
    case 'WEEKLY':
      return weeklyPeriod(year, Number(m[2]));
    case 'ANNUAL':
      return monthPeriod(kind, year, 1);
    default:
      return monthPeriod(kind, year, Number(m[2]));
  }
}

/**
 * The period of `kind` whose window holds `date` (e.g. MONTHLY 2026-11-20 → 2026-12). Throws
 * DateError for a bad date, PeriodError when that period's year is outside MIN_YEAR..MAX_YEAR.
 */
export function periodContaining(kind: PeriodKind, date: CalendarDate): Period {
  parseDate(date);
  checkKind(kind, date);
  if (kind === 'DAILY') return dailyPeriod(date);
  const day = DateTime.fromISO(date, { zone: 'utc' });
  if (kind === 'WEEKLY') return weeklyPeriod(day.weekYear, day.weekNumber);
  // From the 15th on, a date counts towards the next month's report.
  const month = day.day >= 15 ? day.plus({ months: 1 }) : day;
  return monthPeriod(kind, month.year, Math.ceil(month.month / MONTH_SPAN[kind]));
}

/** periodContaining for the Vietnam date at an ISO-8601 instant (2026-11-14T17:30:00Z is 2026-11-15). */
export function periodOfInstant(kind: PeriodKind, isoInstant: string): Period {
  return periodContaining(kind, dateOfInstant(isoInstant));
}

/** Days after windowEnd that a report for a period of each kind is due. */
export type DueRules = Readonly<Record<PeriodKind, number>>;

/**
 * tiendo's defaults, not the decree's: Decree 09/2019 leaves the submission deadline to each
 * reporting regime. Override per kind, e.g. `{ ...defaultDueRules, MONTHLY: 5 }`.
 */
export const defaultDueRules: DueRules = Object.freeze({
  DAILY: 0, WEEKLY: 1, MONTHLY: 3, QUARTERLY: 5, HALF_YEARLY: 7, ANNUAL: 10,
});

/** Last day (Vietnam date) on which a report for `period` counts as on time. */
export function dueDate(period: Period, rules: DueRules = defaultDueRules): CalendarDate {
  const offset = rules[period.kind];
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`due rule for ${period.kind}: ${offset} is not a whole number of days ≥ 0`);
  }
  return addDays(period.windowEnd, offset);
}

export type ComplianceStatus = 'ON_TIME' | 'LATE' | 'MISSING';

/**
 * Compliance of one unit's report for `period`, as known at `asOfIso`: a submission recorded
 * after asOf did not exist yet, so it is MISSING, as is no submission at all (even before the
 * due date — callers decide whether an undue period is worth showing).
 */
export function classifySubmission(
  period: Period,
  submittedAtIso: string | null,
  asOfIso: string,
  rules: DueRules = defaultDueRules,
): ComplianceStatus {
  const asOf = instantMillis(asOfIso);
  if (submittedAtIso === null || instantMillis(submittedAtIso) > asOf) return 'MISSING';
  return compareDates(dateOfInstant(submittedAtIso), dueDate(period, rules)) <= 0 ? 'ON_TIME' : 'LATE';
}
