import { type Expression, type RawBuilder, sql } from 'kysely';
import type { MigrationContext } from './migration.ts';

// The few expressions whose spelling differs between SQL Server and SQLite. Views hold no
// parameters, so every constant is a literal.

export function minutesSince(ctx: MigrationContext, at: Expression<unknown>): RawBuilder<number> {
  return ctx.kind === 'mssql'
    ? sql`datediff(minute, ${at}, sysutcdatetime())`
    : sql`cast((julianday('now') - julianday(${at})) * 1440 as integer)`;
}

export function daysBetween(
  ctx: MigrationContext,
  from: Expression<unknown>,
  to: Expression<unknown>,
): RawBuilder<number> {
  return ctx.kind === 'mssql'
    ? sql`datediff(day, ${from}, ${to})`
    : sql`cast(julianday(date(${to})) - julianday(date(${from})) as integer)`;
}

/** `at` is in the past (or now). */
export function isPast(ctx: MigrationContext, at: Expression<unknown>): RawBuilder<boolean> {
  return ctx.kind === 'mssql' ? sql`${at} <= sysutcdatetime()` : sql`julianday(${at}) <= julianday('now')`;
}
