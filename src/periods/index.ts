export {
  ZONE, DateError, parseDate, dateOfInstant, today, instantMillis, compareDates, addDays,
  type CalendarDate,
} from './dates.js';
export {
  PERIOD_KINDS, MIN_YEAR, MAX_YEAR, PeriodError, parsePeriod, periodContaining, periodOfInstant,
  defaultDueRules, dueDate, classifySubmission,
  type PeriodKind, type Period, type DueRules, type ComplianceStatus,
} from './period.js';
