import { DomainError } from '../errors/domain-error.ts';

/**
 * The instants both of SQL Server's types hold: DATETIME starts at 1753-01-01 and DATETIME2
 * ends with 9999 (DATETIME's last tick is .997). A later instant is stored as `+010000-…`,
 * which sorts before every real date, so the key looked expired and alive at once.
 */
export const EARLIEST_DATE = new Date(Date.UTC(1753, 0, 1));
export const LATEST_DATE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 997));

export function isDateInRange(date: Date): boolean {
  const t = date.getTime();
  return !Number.isNaN(t) && t >= EARLIEST_DATE.getTime() && t <= LATEST_DATE.getTime();
}

/** A valid instant from 1753-01-01 to 9999-12-31 (UTC), or INVALID_INPUT naming the field. */
export function checkDateRange(date: Date, what: string): Date {
  if (Number.isNaN(date.getTime())) throw new DomainError('INVALID_INPUT', `${what} is not a valid date`);
  if (!isDateInRange(date)) {
    throw new DomainError('INVALID_INPUT', `${what} must be between 1753-01-01 and 9999-12-31 (UTC)`, {
      details: { field: what },
    });
  }
  return date;
}
