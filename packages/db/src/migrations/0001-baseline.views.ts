import { sql } from 'kysely';
import { recreateView } from './ddl.ts';
import type { MigrationContext, MigrationStep } from './migration.ts';
import { daysBetween, isPast, minutesSince } from './view-sql.ts';

// Views hold no ORDER BY (SQL Server rejects it without TOP); "latest N" is a ROW_NUMBER().

const lit = sql.lit;

function tokenStatus(ctx: MigrationContext) {
  const used = sql`coalesce(${sql.ref('s.TotalUsedTokens')}, 0)`;
  const reserved = sql`coalesce(${sql.ref('s.ReservedTokens')}, 0)`;
  const remaining = sql`(${sql.ref('t.TotalTokenLimit')} - ${used})`;
  const threshold = sql`coalesce(${sql.ref('s.Threshold')}, 3000)`;
  const status = sql.ref('t.Status');
  // Precedence as the old service ranks token states: Expired > Exceeded > Disabled.
  const health = sql`case
    when ${status} = ${lit('Expired')} or (${sql.ref('t.ExpiresAt')} is not null and ${isPast(ctx, sql.ref('t.ExpiresAt'))}) then ${lit('EXPIRED')}
    when ${status} = ${lit('Exceeded')} or ${remaining} <= 0 then ${lit('EXCEEDED')}
    when ${status} = ${lit('Disabled')} then ${lit('DISABLED')}
    when ${status} = ${lit('Invalid')} then ${lit('INVALID')}
    when ${remaining} < ${threshold} then ${lit('WARNING')}
    else ${lit('OK')} end`;
  return ctx.db
    .selectFrom('TokenMaster as t')
    .leftJoin('TokenUsageSummary as s', 's.TokenID', 't.TokenID')
    .select([
      't.TokenID',
      't.CompanyID',
      't.CompanyName',
      't.Provider',
      't.KeyHint',
      't.Status',
      't.TotalTokenLimit',
      used.as('TotalUsedTokens'),
      reserved.as('ReservedTokens'),
      remaining.as('TotalRemainingTokens'),
      sql`${remaining} - ${reserved}`.as('AvailableTokens'),
      threshold.as('Threshold'),
      sql`coalesce(${sql.ref('s.RequestCount')}, 0)`.as('RequestCount'),
      't.ExpiresAt',
      's.LastUsedAt',
      't.CreatedAt',
      's.LastUpdated',
      health.as('HealthStatus'),
    ])
    .where('t.DeletedAt', 'is', null);
}

function usageSummary(ctx: MigrationContext) {
  const first = sql`min(${sql.ref('u.LoggedAt')})`;
  const last = sql`max(${sql.ref('u.LoggedAt')})`;
  return ctx.db
    .selectFrom('TokenUsageLogs as u')
    .innerJoin('TokenMaster as t', 't.TokenID', 'u.TokenID')
    .select([
      't.CompanyID',
      sql`max(${sql.ref('t.CompanyName')})`.as('CompanyName'),
      sql`count(distinct ${sql.ref('u.Branch')})`.as('Branches'),
      sql`count(distinct ${sql.ref('u.RequestedBy')})`.as('Users'),
      sql`cast(sum(${sql.ref('u.RequestCount')}) as bigint)`.as('TotalRequests'),
      sql`cast(sum(${sql.ref('u.TotalTokensUsed')}) as bigint)`.as('TotalTokensUsed'),
      sql`cast(sum(${sql.ref('u.TotalTokensUsed')}) as float) / nullif(sum(${sql.ref('u.RequestCount')}), 0)`.as(
        'AvgTokensPerRequest',
      ),
      first.as('FirstUsed'),
      last.as('LastUsed'),
      daysBetween(ctx, first, last).as('DaysActive'),
    ])
    .groupBy('t.CompanyID');
}

const LOG_COLUMNS = [
  'LogID',
  'Timestamp',
  'LogLevel',
  'Logger',
  'Message',
  'Exception',
  'Module',
  'FunctionName',
  'LineNumber',
  'RequestID',
  'CompanyID',
] as const;

function recentErrors(ctx: MigrationContext) {
  const ranked = ctx.db
    .selectFrom('ApplicationLogs as l')
    .select([
      ...LOG_COLUMNS.map((c) => `l.${c}` as const),
      sql`row_number() over (order by ${sql.ref('l.Timestamp')} desc, ${sql.ref('l.LogID')} desc)`.as('rn'),
    ])
    .where(sql<boolean>`${sql.ref('l.LogLevel')} in (${lit('ERROR')}, ${lit('CRITICAL')})`);
  return ctx.db
    .selectFrom(ranked.as('e'))
    .select([
      ...LOG_COLUMNS.map((c) => `e.${c}` as const),
      minutesSince(ctx, sql.ref('e.Timestamp')).as('MinutesAgo'),
    ])
    .where('e.rn', '<=', lit(100));
}

function failedRetries(ctx: MigrationContext) {
  const perRequest = sql`partition by ${sql.ref('a.RequestID')}`;
  const ranked = ctx.db
    .selectFrom('RetryAttempts as a')
    .select([
      'a.RequestID',
      'a.CompanyID',
      'a.TokenID',
      'a.ErrorCode',
      'a.HttpStatus',
      'a.ErrorMessage',
      'a.IsFinal',
      'a.Timestamp',
      sql`row_number() over (${perRequest} order by ${sql.ref('a.Attempt')} desc, ${sql.ref('a.RetryID')} desc)`.as(
        'rn',
      ),
      sql`count(*) over (${perRequest})`.as('Attempts'),
      sql`cast(sum(coalesce(${sql.ref('a.DelayMs')}, 0)) over (${perRequest}) as bigint)`.as('TotalDelayMs'),
      sql`min(${sql.ref('a.Timestamp')}) over (${perRequest})`.as('FirstAttemptAt'),
    ])
    .where('a.RequestID', 'is not', null);
  return ctx.db
    .selectFrom(ranked.as('r'))
    .select([
      'r.RequestID',
      'r.CompanyID',
      'r.TokenID as LastTokenID',
      'r.Attempts',
      (eb) =>
        eb
          .selectFrom('RetryAttempts as k')
          .select(sql`count(distinct ${sql.ref('k.TokenID')})`.as('n'))
          .whereRef('k.RequestID', '=', 'r.RequestID')
          .as('KeysTried'),
      'r.ErrorCode as LastErrorCode',
      'r.HttpStatus as LastHttpStatus',
      'r.ErrorMessage as LastErrorMessage',
      'r.TotalDelayMs',
      'r.FirstAttemptAt',
      'r.Timestamp as LastAttemptAt',
    ])
    .where('r.rn', '=', lit(1))
    .where('r.IsFinal', '=', lit(1));
}

export function baselineViews(ctx: MigrationContext): MigrationStep[] {
  return [
    ...recreateView(ctx, 'vw_TokenStatus', tokenStatus(ctx)),
    ...recreateView(ctx, 'vw_UsageSummary', usageSummary(ctx)),
    ...recreateView(ctx, 'vw_RecentErrors', recentErrors(ctx)),
    ...recreateView(ctx, 'vw_FailedRetries', failedRetries(ctx)),
  ];
}
