import { BUDGET_PERIODS, type BudgetPeriod } from '@invoicegw/db';
import { DomainError } from '../errors/domain-error.ts';
import { redactSecrets } from '../logging/redact-secrets.ts';

// When a periodic budget starts over: midnight, local time in the key's time zone, of the next
// day, the next Monday (ISO week) or the 1st of the next month. Computed with Intl alone, DST
// included: on a day whose midnight does not exist (a zone that springs forward at 00:00) the
// window starts at that day's first local instant; a midnight that occurs twice counts once.

export { BUDGET_PERIODS, type BudgetPeriod };

export function isBudgetPeriod(value: string): value is BudgetPeriod {
  return (BUDGET_PERIODS as readonly string[]).includes(value);
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/**
 * Checks an IANA time zone name and returns it as the operator spelt it, but for case: ICU
 * answers some current names with their old alias (Asia/Kathmandu as Asia/Katmandu).
 */
export function checkTimeZone(timeZone: string): string {
  const name = timeZone.trim();
  if (name === '' || name.length > 64) {
    throw new DomainError('INVALID_INPUT', 'The budget time zone must be an IANA name such as Europe/Berlin');
  }
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  } catch {
    throw new DomainError(
      'INVALID_INPUT',
      // Echoed so the operator sees the typo, masked in case a key was pasted into the wrong field.
      `Unknown time zone ${JSON.stringify(redactSecrets(name.slice(0, 64)))}: use an IANA name such as Europe/Berlin or UTC`,
    );
  }
}

/** The calendar date at `at` in `timeZone`, as a day number (days since 1970-01-01). */
export function localDay(at: number, timeZone: string): number {
  const parts = formatFor(timeZone).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Math.floor(Date.UTC(get('year'), get('month') - 1, get('day')) / 86_400_000);
}

const MINUTE = 60_000;
const STEP = 15 * MINUTE;

/**
 * The first instant whose local date in `timeZone` is `day` or later, searched from a little
 * before `notBefore`: no zone is more than 14 hours from UTC, so local midnight of a day lies
 * within 14 hours of that day's UTC midnight. Boundaries fall on whole minutes.
 */
function startOfLocalDay(day: number, timeZone: string): number {
  const utcMidnight = day * 86_400_000;
  let before = utcMidnight - 15 * 3_600_000;
  let at = before + STEP;
  // Coarse: 15-minute steps (every offset in use is a multiple of 15 minutes, most of 30).
  while (localDay(at, timeZone) < day) {
    before = at;
    at += STEP;
  }
  // Fine: the first whole minute in (before, at] on that day.
  let lo = before / MINUTE;
  let hi = at / MINUTE;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDay(mid * MINUTE, timeZone) >= day) hi = mid;
    else lo = mid;
  }
  return hi * MINUTE;
}

/** 1970-01-01 was a Thursday: ISO weekday (Monday 1 … Sunday 7) of a day number. */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The first day of the window after the one holding `day`. */
function nextWindowDay(period: Exclude<BudgetPeriod, 'none'>, day: number): number {
  switch (period) {
    case 'daily':
      return day + 1;
    case 'weekly':
      return day + (8 - isoWeekday(day));
    case 'monthly': {
      const date = new Date(day * 86_400_000);
      return Math.floor(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 86_400_000);
    }
  }
}

/** When the window holding `after` ends: the next reset strictly after it. */
export function nextResetAfter(period: Exclude<BudgetPeriod, 'none'>, timeZone: string, after: Date): Date {
  const t = after.getTime();
  let day = nextWindowDay(period, localDay(t, timeZone));
  let reset = startOfLocalDay(day, timeZone);
  // A midnight that occurs twice (a fall-back at 00:00): the first one already passed.
  while (reset <= t) {
    day = nextWindowDay(period, day);
    reset = startOfLocalDay(day, timeZone);
  }
  return new Date(reset);
}

/** When the window holding `at` started: the last reset at or before it. */
export function windowStartOf(period: Exclude<BudgetPeriod, 'none'>, timeZone: string, at: Date): Date {
  const t = at.getTime();
  const today = localDay(t, timeZone);
  let first = today;
  if (period === 'weekly') first = today - (isoWeekday(today) - 1);
  if (period === 'monthly') {
    const date = new Date(today * 86_400_000);
    first = Math.floor(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 86_400_000);
  }
  return new Date(startOfLocalDay(first, timeZone));
}
