import { sql } from 'kysely';
import type { TableSpec } from './ddl.ts';
import { recordMigration, recreateView, syncIndexes, syncTable } from './ddl.ts';
import type { Migration, MigrationContext } from './migration.ts';
import { daysBetween } from './view-sql.ts';

const ID = '0009-retention';

const text = (n: number | 'max') => ({ text: n }) as const;

const tokenUsageArchive: TableSpec = {
  name: 'TokenUsageArchive',
  columns: {
    ArchiveID: { type: 'id' },
    TokenID: { type: 'int', notNull: true },
    CompanyID: { type: text(50) },
    Branch: { type: text(100), notNull: true, default: 'Default' },
    RequestedBy: { type: text(100), notNull: true, default: 'System' },
    UsageDay: { type: 'datetime', notNull: true },
    RequestCount: { type: 'int', notNull: true, default: 0 },
    InputTokens: { type: 'int', notNull: true, default: 0 },
    OutputTokens: { type: 'int', notNull: true, default: 0 },
    ThoughtsTokens: { type: 'int', notNull: true, default: 0 },
    TotalTokensUsed: { type: 'int', notNull: true, default: 0 },
    PresumedTokens: { type: 'int', notNull: true, default: 0 },
    FirstLoggedAt: { type: 'datetime', notNull: true },
    LastLoggedAt: { type: 'datetime', notNull: true },
    ArchivedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [
    { name: 'IX_TokenUsageArchive_Token_UsageDay', columns: ['TokenID', 'UsageDay'] },
    { name: 'IX_TokenUsageArchive_Company_UsageDay', columns: ['CompanyID', 'UsageDay'] },
  ],
};

const gatewaySettings: TableSpec = {
  name: 'GatewaySettings',
  columns: {
    Name: { type: text(100), notNull: true, primaryKey: true },
    Value: { type: text(1000), notNull: true },
    UpdatedBy: { type: text(200) },
    UpdatedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [],
};

/**
 * vw_UsageSummary over the live usage rows and the archived ones, so pruning old usage rows
 * changes no figure in it: the same columns as the baseline's, the same numbers.
 */
function usageSummary(ctx: MigrationContext) {
  const live = ctx.db
    .selectFrom('TokenUsageLogs as l')
    .select([
      'l.TokenID',
      'l.Branch',
      'l.RequestedBy',
      'l.RequestCount',
      'l.TotalTokensUsed',
      'l.LoggedAt as FirstAt',
      'l.LoggedAt as LastAt',
    ]);
  const archived = ctx.db
    .selectFrom('TokenUsageArchive as a')
    .select([
      'a.TokenID',
      'a.Branch',
      'a.RequestedBy',
      'a.RequestCount',
      'a.TotalTokensUsed',
      'a.FirstLoggedAt as FirstAt',
      'a.LastLoggedAt as LastAt',
    ]);
  const first = sql`min(${sql.ref('u.FirstAt')})`;
  const last = sql`max(${sql.ref('u.LastAt')})`;
  return ctx.db
    .selectFrom(live.unionAll(archived).as('u'))
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

/**
 * Retention: old usage rows are folded into TokenUsageArchive before they go, and the usage
 * view reads both. GatewaySettings holds switches every replica must see, such as a rollback
 * to the old service being prepared (keys left readable in plaintext).
 */
export const retention: Migration = {
  id: ID,
  steps: (ctx) => [
    ...syncTable(ctx, ctx.schemas.schema, tokenUsageArchive),
    ...syncIndexes(ctx, ctx.schemas.schema, tokenUsageArchive),
    ...syncTable(ctx, ctx.schemas.schema, gatewaySettings),
    // Retention prunes the alert delivery log by its date.
    ...syncIndexes(ctx, ctx.schemas.schema, {
      name: 'AlertDeliveries',
      columns: {},
      indexes: [{ name: 'IX_AlertDeliveries_AttemptedAt', columns: ['AttemptedAt'] }],
    }),
    ...recreateView(ctx, 'vw_UsageSummary', usageSummary(ctx)),
    recordMigration(ctx, ID),
  ],
};
