import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTimeZone, localDay, nextResetAfter, windowStartOf } from '../src/ledger/budget-period.ts';

// Zones with DST at 02:00/03:00, at midnight (Santiago, Havana at 00:00/01:00), half-hour DST
// (Lord Howe), 45-minute offsets (Chatham), no DST (Kolkata), and far from UTC (Kiritimati +14).
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'America/Havana',
  'Asia/Beirut',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'Pacific/Kiritimati',
  'America/St_Johns',
] as const;
const PERIODS = ['daily', 'weekly', 'monthly'] as const;

const parts = (at: Date, timeZone: string) => {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => f.find((p) => p.type === type)?.value ?? '';
  return {
    day: Number(get('day')),
    weekday: get('weekday'),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
};

// 2020..2030: many DST changes in every zone above that has them.
const instant = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) })
  .map((t) => new Date(t));

describe('budget periods in a time zone', () => {
  it('the next reset is the first instant of the next day / Monday / 1st, strictly later, with no boundary skipped', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), fc.constantFrom(...PERIODS), (after, zone, period) => {
        const next = nextResetAfter(period, zone, after);
        expect(next.getTime()).toBeGreaterThan(after.getTime());
        // It starts a local day: the minute before it is an earlier local date.
        const day = localDay(next.getTime(), zone);
        expect(localDay(next.getTime() - 60_000, zone)).toBeLessThan(day);
        // Local midnight, or the first instant of a day whose midnight does not exist (DST at 00:00).
        const local = parts(next, zone);
        expect(local.hour * 60 + local.minute).toBeLessThanOrEqual(60);
        if (period === 'weekly') expect(local.weekday).toBe('Mon');
        if (period === 'monthly') expect(local.day).toBe(1);
        // Within one period: no reset of the same kind lies between `after` and `next`.
        const span = (next.getTime() - after.getTime()) / 86_400_000;
        expect(span).toBeLessThanOrEqual({ daily: 1.1, weekly: 7.1, monthly: 31.1 }[period]);
        // Windows tile: the window holding `next` starts at `next`, and the one holding `after` ends there.
        expect(windowStartOf(period, zone, next).getTime()).toBe(next.getTime());
        expect(nextResetAfter(period, zone, windowStartOf(period, zone, after)).getTime()).toBe(
          next.getTime(),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('a day with a DST change is 23 or 25 hours long, and its window still ends at local midnight', () => {
    // Berlin: 2026-03-29 springs forward, 2026-10-25 falls back.
    const spring = nextResetAfter('daily', 'Europe/Berlin', new Date('2026-03-28T23:30:00Z'));
    expect(spring.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    const fall = nextResetAfter('daily', 'Europe/Berlin', new Date('2026-10-24T22:30:00Z'));
    expect(fall.toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(nextResetAfter('monthly', 'Europe/Berlin', new Date('2026-12-15T10:00:00Z')).toISOString()).toBe(
      '2026-12-31T23:00:00.000Z',
    );
    // Santiago springs forward at 00:00 (2026-09-06): that day starts at 01:00 local.
    const santiago = nextResetAfter('daily', 'America/Santiago', new Date('2026-09-05T12:00:00Z'));
    expect(parts(santiago, 'America/Santiago')).toMatchObject({ day: 6, hour: 1, minute: 0 });
  });

  it('time zones are checked and canonicalised', () => {
    expect(checkTimeZone('utc')).toBe('UTC');
    expect(checkTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(() => checkTimeZone('Mars/Olympus')).toThrow(/Unknown time zone/);
    expect(() => checkTimeZone('')).toThrow(/IANA/);
  });
});
