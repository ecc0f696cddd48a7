import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays, classifySubmission, compareDates, DateError, dateOfInstant, defaultDueRules, dueDate,
  parseDate, parsePeriod, PERIOD_KINDS, PeriodError, periodContaining, periodOfInstant, today, ZONE,
  type Period, type PeriodKind,
} from '../../src/periods/index.js';

// Oracles built on the platform's Date in UTC, independent of luxon and of src/periods.
const DAY_MS = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = (d: string): number => Date.parse(`${d}T00:00:00Z`);
const nextDay = (d: string): string => isoDay(dayMs(d) + DAY_MS);
const lengthOf = (p: Period): number => (dayMs(p.windowEnd) - dayMs(p.windowStart)) / DAY_MS + 1;
const weekday = (d: string): number => new Date(dayMs(d)).getUTCDay(); // 0 = Sunday
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const isoWeeksIn = (y: number): number => {
  const jan1 = weekday(`${y}-01-01`);
  return jan1 === 4 || (jan1 === 3 && isLeap(y)) ? 53 : 52;
};
/** Monday of ISO week 1: the week holding 4 January. */
const week1Monday = (y: number): string => isoDay(dayMs(`${y}-01-04`) - ((weekday(`${y}-01-04`) + 6) % 7) * DAY_MS);
const pad2 = (n: number): string => String(n).padStart(2, '0');

const FIRST_YEAR = 2020;
const LAST_YEAR = 2035;
const YEARS = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => FIRST_YEAR + i);

/** Every key of `kind` in FIRST_YEAR..LAST_YEAR, in chronological order. */
function keysOf(kind: PeriodKind): string[] {
  switch (kind) {
    case 'DAILY': {
      const keys: string[] = [];
      for (let d = `${FIRST_YEAR}-01-01`; d <= `${LAST_YEAR}-12-31`; d = nextDay(d)) keys.push(d);
      return keys;
    }
    case 'WEEKLY':
      return YEARS.flatMap((y) => Array.from({ length: isoWeeksIn(y) }, (_, i) => `${y}-W${pad2(i + 1)}`));
    case 'MONTHLY':
      return YEARS.flatMap((y) => Array.from({ length: 12 }, (_, i) => `${y}-${pad2(i + 1)}`));
    case 'QUARTERLY':
      return YEARS.flatMap((y) => [1, 2, 3, 4].map((q) => `${y}-Q${q}`));
    case 'HALF_YEARLY':
      return YEARS.flatMap((y) => [`${y}-H1`, `${y}-H2`]);
    case 'ANNUAL':
      return YEARS.map(String);
  }
}

const LENGTH_BOUNDS: Record<PeriodKind, [number, number]> = {
  DAILY: [1, 1], WEEKLY: [7, 7], MONTHLY: [28, 31], QUARTERLY: [89, 92], HALF_YEARLY: [181, 184], ANNUAL: [365, 366],
};

function expectPeriodError(kind: PeriodKind, key: string, mentions: RegExp): void {
  let caught: unknown;
  try {
    parsePeriod(kind, key);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PeriodError);
  const err = caught as PeriodError;
  expect(err.code).toBe('INVALID_PERIOD');
  expect(err.kind).toBe(kind);
  expect(err.key).toBe(key);
  expect(err.message).toContain(JSON.stringify(key));
  expect(err.message).toMatch(mentions);
}

describe('dates', () => {
  it('validates calendar dates strictly', () => {
    expect(ZONE).toBe('Asia/Ho_Chi_Minh');
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2026-12-31')).toBe('2026-12-31');
    for (const bad of ['2026-13-45', '2026-02-30', '2025-02-29', '2026-04-31', '2026-00-10', '2026-01-00', '2026-2-3', '26-02-03', '2026-02-03T00:00:00Z', '']) {
      expect(() => parseDate(bad), bad).toThrow(DateError);
    }
    expect(() => parseDate('2026-02-30')).toThrow(/2026-02 has 28 days/);
    expect(() => parseDate('2026-13-45')).toThrow(/month 13 does not exist/);
  });

  it('reads instants in Vietnam and insists on an offset', () => {
    expect(dateOfInstant('2026-11-14T17:30:00Z')).toBe('2026-11-15');
    expect(dateOfInstant('2026-11-14T16:59:59.999Z')).toBe('2026-11-14');
    expect(dateOfInstant('2026-11-15T06:00:00+07:00')).toBe('2026-11-15');
    expect(dateOfInstant('2026-11-14T20:00:00-05:00')).toBe('2026-11-15');
    expect(today('2026-12-31T17:00:00Z')).toBe('2027-01-01');
    for (const bad of ['2026-11-14T17:30:00', '2026-11-14', '2026-11-14T25:00:00Z', 'yesterday']) {
      expect(() => dateOfInstant(bad), bad).toThrow(DateError);
    }
  });

  it('adds days and compares dates across month, year and leap boundaries', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-11-14', 0)).toBe('2026-11-14');
    expect(() => addDays('2026-11-14', 1.5)).toThrow(RangeError);
    expect(() => addDays('2026-02-30', 1)).toThrow(DateError);
    expect(compareDates('2026-11-14', '2026-11-15')).toBe(-1);
    expect(compareDates('2026-11-15', '2026-11-15')).toBe(0);
    expect(compareDates('2027-01-01', '2026-12-31')).toBe(1);
    expect(() => compareDates('2026-13-01', '2026-12-31')).toThrow(DateError);
  });

  it('agrees with the platform calendar on arbitrary year/month/day triples', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1000, max: 2999 }), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 33 }),
      (y, m, d) => {
        const s = `${y}-${pad2(m)}-${pad2(d)}`;
        const real = m >= 1 && m <= 12 && d >= 1 && isoDay(Date.UTC(y, m - 1, d)) === s;
        if (real) expect(parseDate(s)).toBe(s);
        else expect(() => parseDate(s)).toThrow(DateError);
      },
    ), { numRuns: 2000 });
  });
});

describe('parsePeriod', () => {
  it.each([
    ['DAILY', '2026-11-26', '2026-11-26', '2026-11-26'],
    ['WEEKLY', '2026-W48', '2026-11-23', '2026-11-29'],
    ['WEEKLY', '2020-W01', '2019-12-30', '2020-01-05'],
    ['WEEKLY', '2020-W53', '2020-12-28', '2021-01-03'],
    // 1 January 2026 is a Thursday, so 2026 is a long ISO year too.
    ['WEEKLY', '2026-W53', '2026-12-28', '2027-01-03'],
    ['MONTHLY', '2026-11', '2026-10-15', '2026-11-14'],
    ['MONTHLY', '2026-01', '2025-12-15', '2026-01-14'],
    ['MONTHLY', '2026-03', '2026-02-15', '2026-03-14'],
    ['QUARTERLY', '2026-Q4', '2026-09-15', '2026-12-14'],
    ['QUARTERLY', '2026-Q1', '2025-12-15', '2026-03-14'],
    ['QUARTERLY', '2026-Q2', '2026-03-15', '2026-06-14'],
    ['HALF_YEARLY', '2026-H1', '2025-12-15', '2026-06-14'],
    ['HALF_YEARLY', '2026-H2', '2026-06-15', '2026-12-14'],
    ['ANNUAL', '2026', '2025-12-15', '2026-12-14'],
    ['ANNUAL', '1900', '1899-12-15', '1900-12-14'],
    ['ANNUAL', '2999', '2998-12-15', '2999-12-14'],
  ] as const)('%s %s → %s..%s', (kind, key, windowStart, windowEnd) => {
    expect(parsePeriod(kind, key)).toEqual({ kind, key, windowStart, windowEnd });
  });

  it.each([
    ['MONTHLY', '2026-13', /month 13 does not exist/],
    ['MONTHLY', '2026-00', /month 0 does not exist/],
    ['DAILY', '2026-02-30', /2026-02 has 28 days/],
    ['DAILY', '2026-13-45', /month 13 does not exist/],
    ['WEEKLY', '2026-W54', /week 54 does not exist/],
    ['WEEKLY', '2025-W53', /week-year 2025 has 52 weeks/],
    ['WEEKLY', '2026-W00', /week 0 does not exist/],
    ['QUARTERLY', '2026-Q5', /quarter 5 does not exist/],
    ['QUARTERLY', '2026-Q0', /quarter 0 does not exist/],
    ['HALF_YEARLY', '2026-H3', /half 3 does not exist/],
    ['HALF_YEARLY', '2026-H0', /half 0 does not exist/],
    ['ANNUAL', '1899', /year 1899 is outside 1900\.\.2999/],
    ['ANNUAL', '3000', /year 3000 is outside/],
    ['DAILY', '1899-12-31', /year 1899 is outside/],
    ['WEEKLY', '3000-W01', /year 3000 is outside/],
    ['MONTHLY', '2026-1', /expected the form YYYY-MM/],
    ['MONTHLY', '26-11', /expected the form YYYY-MM/],
    ['MONTHLY', ' 2026-11', /expected the form/],
    ['MONTHLY', '2026-11 ', /expected the form/],
    ['MONTHLY', '', /expected the form/],
    ['QUARTERLY', '2026-q4', /expected the form YYYY-Qn/],
    ['WEEKLY', '2026-w48', /expected the form YYYY-Www/],
    ['WEEKLY', '2026-W5', /expected the form/],
  ] as const)('%s %j is refused', (kind, key, mentions) => {
    expectPeriodError(kind, key, mentions);
  });

  it.each([
    ['MONTHLY', '2026-Q4', 'QUARTERLY'],
    ['ANNUAL', '2026-11', 'MONTHLY'],
    ['DAILY', '2026-W48', 'WEEKLY'],
    ['QUARTERLY', '2026-H1', 'HALF_YEARLY'],
    ['WEEKLY', '2026-11-26', 'DAILY'],
    ['HALF_YEARLY', '2026', 'ANNUAL'],
  ] as const)('%s refuses %s, a %s key', (kind, key, actual) => {
    expectPeriodError(kind, key, new RegExp(`${actual} key, not a ${kind} one`));
  });

  it('refuses an unknown kind', () => {
    expect(() => parsePeriod('YEARLY' as PeriodKind, '2026')).toThrow(/unknown period kind/);
    expect(() => periodContaining('YEARLY' as PeriodKind, '2026-11-20')).toThrow(PeriodError);
  });
});

describe('periodContaining / periodOfInstant', () => {
  it.each([
    ['MONTHLY', '2026-11-20', '2026-12'],
    ['MONTHLY', '2026-11-14', '2026-11'],
    ['MONTHLY', '2026-11-15', '2026-12'],
    ['MONTHLY', '2026-12-15', '2027-01'],
    ['QUARTERLY', '2026-12-15', '2027-Q1'],
    ['QUARTERLY', '2026-09-14', '2026-Q3'],
    ['QUARTERLY', '2026-09-15', '2026-Q4'],
    ['HALF_YEARLY', '2026-06-14', '2026-H1'],
    ['HALF_YEARLY', '2026-06-15', '2026-H2'],
    ['HALF_YEARLY', '2026-12-15', '2027-H1'],
    ['ANNUAL', '2026-12-14', '2026'],
    ['ANNUAL', '2026-12-15', '2027'],
    ['ANNUAL', '2026-01-01', '2026'],
    ['WEEKLY', '2026-11-26', '2026-W48'],
    ['WEEKLY', '2027-01-01', '2026-W53'],
    ['WEEKLY', '2021-01-03', '2020-W53'],
    ['WEEKLY', '2019-12-30', '2020-W01'],
    ['DAILY', '2026-11-26', '2026-11-26'],
  ] as const)('%s for %s is %s', (kind, date, key) => {
    expect(periodContaining(kind, date)).toEqual(parsePeriod(kind, key));
  });

  it('refuses a bad date, and a period beyond the supported years', () => {
    expect(() => periodContaining('MONTHLY', '2026-02-30')).toThrow(DateError);
    expect(() => periodContaining('ANNUAL', '2999-12-15')).toThrow(/ANNUAL period "3000": year 3000 is outside/);
    expect(periodContaining('MONTHLY', '1899-12-15').key).toBe('1900-01');
  });

  it('reads an instant as a date in Vietnam', () => {
    expect(periodOfInstant('MONTHLY', '2026-11-14T17:30:00Z').key).toBe('2026-12');
    expect(periodOfInstant('MONTHLY', '2026-11-14T16:59:59Z').key).toBe('2026-11');
    expect(periodOfInstant('DAILY', '2026-11-14T17:30:00Z').key).toBe('2026-11-15');
    expect(periodOfInstant('WEEKLY', '2026-11-29T17:00:00Z').key).toBe('2026-W49');
    expect(periodOfInstant('ANNUAL', '2026-12-14T17:00:00Z').key).toBe('2027');
    expect(() => periodOfInstant('MONTHLY', '2026-11-14T17:30:00')).toThrow(DateError);
  });

  it('agrees with UTC+7 for any instant in 2020–2035 (Vietnam has kept UTC+7 since 1975)', () => {
    const from = Date.UTC(FIRST_YEAR, 0, 1);
    const to = Date.UTC(LAST_YEAR + 1, 0, 1) - 1;
    fc.assert(fc.property(
      fc.constantFrom(...PERIOD_KINDS), fc.integer({ min: from, max: to }),
      (kind, ms) => {
        const vnDate = isoDay(ms + 7 * 3_600_000);
        const p = periodOfInstant(kind, new Date(ms).toISOString());
        expect(p).toEqual(periodContaining(kind, vnDate));
        expect(p.windowStart <= vnDate && vnDate <= p.windowEnd).toBe(true);
      },
    ), { numRuns: 1000 });
  });
});

describe(`every period of every kind in ${FIRST_YEAR}–${LAST_YEAR}`, () => {
  // Each property runs once per enumerated period (fast-check `examples`, which count towards
  // numRuns), then on a few random re-draws.
  const exhaustive = <T>(all: T[]) => ({ examples: all.map((x) => [x] as [T]), numRuns: all.length + 20 });

  describe.each(PERIOD_KINDS)('%s', (kind) => {
    const keys = keysOf(kind);
    const [minLength, maxLength] = LENGTH_BOUNDS[kind];

    it('parses every key back to itself, with a window of the expected shape and length', () => {
      fc.assert(fc.property(fc.constantFrom(...keys), (key) => {
        const p = parsePeriod(kind, key);
        expect(p.kind).toBe(kind);
        expect(p.key).toBe(key);
        const length = lengthOf(p);
        expect(length).toBeGreaterThanOrEqual(minLength);
        expect(length).toBeLessThanOrEqual(maxLength);
        if (kind === 'WEEKLY') {
          const [y, w] = key.split('-W').map(Number) as [number, number];
          expect(p.windowStart).toBe(isoDay(dayMs(week1Monday(y)) + (w - 1) * 7 * DAY_MS));
        } else if (kind !== 'DAILY') {
          expect(p.windowStart.slice(8)).toBe('15');
          expect(p.windowEnd.slice(8)).toBe('14');
          expect(p.windowEnd.slice(0, 4)).toBe(key.slice(0, 4));
        }
      }), exhaustive(keys));
    });

    it('tiles the timeline: each window starts the day after the previous one ends', () => {
      const indices = keys.slice(1).map((_, i) => i);
      fc.assert(fc.property(fc.constantFrom(...indices), (i) => {
        const previous = parsePeriod(kind, keys[i] as string);
        const next = parsePeriod(kind, keys[i + 1] as string);
        expect(next.windowStart).toBe(nextDay(previous.windowEnd));
      }), exhaustive(indices));
    });

    it('finds the period from every date of its window', () => {
      fc.assert(fc.property(fc.constantFrom(...keys), (key) => {
        const p = parsePeriod(kind, key);
        for (let d = p.windowStart; d <= p.windowEnd; d = nextDay(d)) {
          expect(periodContaining(kind, d).key).toBe(key);
        }
      }), exhaustive(keys));
    });
  });
});

describe('parsePeriod on arbitrary keys', () => {
  /** Independent verdict on whether `key` names a period of `kind`. */
  function isValid(kind: PeriodKind, key: string): boolean {
    const year = Number(key.slice(0, 4));
    if (!/^\d{4}/.test(key) || year < 1900 || year > 2999) return false;
    const rest = key.slice(4);
    const num = (re: RegExp, max: number): boolean => {
      const m = re.exec(rest);
      return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= max;
    };
    switch (kind) {
      case 'DAILY': return /^-\d{2}-\d{2}$/.test(rest) && !Number.isNaN(dayMs(key)) && isoDay(dayMs(key)) === key;
      case 'WEEKLY': return num(/^-W(\d{2})$/, isoWeeksIn(year));
      case 'MONTHLY': return num(/^-(\d{2})$/, 12);
      case 'QUARTERLY': return num(/^-Q(\d)$/, 4);
      case 'HALF_YEARLY': return num(/^-H(\d)$/, 2);
      case 'ANNUAL': return rest === '';
    }
  }

  const keyArb = fc.tuple(
    fc.integer({ min: 1890, max: 3010 }),
    fc.constantFrom('', '-', '-W', '-Q', '-H', '-q', 'W', '/'),
    fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    fc.boolean(),
    fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined }),
  ).map(([y, sep, n, pad, day]) => {
    const part = n === undefined ? '' : pad ? pad2(n) : String(n);
    return `${y}${sep}${part}${day === undefined ? '' : `-${pad2(day)}`}`;
  });

  it('either returns the named period or throws PeriodError, exactly when the key is valid', () => {
    fc.assert(fc.property(fc.constantFrom(...PERIOD_KINDS), fc.oneof(keyArb, fc.string()), (kind, key) => {
      if (isValid(kind, key)) {
        const p = parsePeriod(kind, key);
        expect(p.key).toBe(key);
        expect(p.windowStart <= p.windowEnd).toBe(true);
      } else {
        expect(() => parsePeriod(kind, key)).toThrow(PeriodError);
      }
    }), { numRuns: 5000 });
  });
});

describe('due dates and compliance', () => {
  it('keeps tiendo defaults per kind and applies them after windowEnd', () => {
    expect(defaultDueRules).toEqual({ DAILY: 0, WEEKLY: 1, MONTHLY: 3, QUARTERLY: 5, HALF_YEARLY: 7, ANNUAL: 10 });
    expect(Object.isFrozen(defaultDueRules)).toBe(true);
    expect(dueDate(parsePeriod('DAILY', '2026-11-26'))).toBe('2026-11-26');
    expect(dueDate(parsePeriod('WEEKLY', '2026-W53'))).toBe('2027-01-04');
    expect(dueDate(parsePeriod('MONTHLY', '2026-11'))).toBe('2026-11-17');
    expect(dueDate(parsePeriod('QUARTERLY', '2026-Q4'))).toBe('2026-12-19');
    expect(dueDate(parsePeriod('HALF_YEARLY', '2026-H1'))).toBe('2026-06-21');
    expect(dueDate(parsePeriod('ANNUAL', '2026'))).toBe('2026-12-24');
  });

  it('takes rules per kind and refuses a negative or fractional offset', () => {
    const rules = { ...defaultDueRules, MONTHLY: 20 };
    expect(dueDate(parsePeriod('MONTHLY', '2026-12'), rules)).toBe('2027-01-03');
    expect(dueDate(parsePeriod('ANNUAL', '2026'), rules)).toBe('2026-12-24');
    expect(() => dueDate(parsePeriod('MONTHLY', '2026-12'), { ...defaultDueRules, MONTHLY: -1 })).toThrow(RangeError);
    expect(() => dueDate(parsePeriod('MONTHLY', '2026-12'), { ...defaultDueRules, MONTHLY: 0.5 })).toThrow(RangeError);
  });

  describe('classifySubmission (MONTHLY 2026-11, due 2026-11-17 in Vietnam)', () => {
    const period = parsePeriod('MONTHLY', '2026-11');
    const asOf = '2026-12-31T00:00:00Z';

    it.each([
      ['2026-11-10T03:00:00Z', 'ON_TIME'],
      ['2026-11-17T16:59:59Z', 'ON_TIME'], // 23:59:59 on the 17th in Vietnam
      ['2026-11-17T17:00:00Z', 'LATE'], // 00:00 on the 18th in Vietnam
      ['2026-11-18T06:00:00+07:00', 'LATE'],
      [null, 'MISSING'],
    ] as const)('submitted %s → %s', (submittedAt, status) => {
      expect(classifySubmission(period, submittedAt, asOf)).toBe(status);
    });

    it('ignores a submission made after asOf', () => {
      expect(classifySubmission(period, '2026-11-16T03:00:00Z', '2026-11-16T02:59:59Z')).toBe('MISSING');
      expect(classifySubmission(period, '2026-11-16T03:00:00Z', '2026-11-16T03:00:00Z')).toBe('ON_TIME');
    });

    it('uses the rules it is given', () => {
      expect(classifySubmission(period, '2026-11-15T03:00:00Z', asOf, { ...defaultDueRules, MONTHLY: 0 })).toBe('LATE');
      expect(classifySubmission(period, '2026-11-14T03:00:00Z', asOf, { ...defaultDueRules, MONTHLY: 0 })).toBe('ON_TIME');
    });

    it('refuses instants without an offset', () => {
      expect(() => classifySubmission(period, '2026-11-10T03:00:00', asOf)).toThrow(DateError);
      expect(() => classifySubmission(period, null, '2026-12-31')).toThrow(DateError);
    });
  });
});
