import { legacyCompatViews } from './0003-upgrade-fixes.ts';
import { addColumns, recordMigration, syncIndexes, syncTable, type TableSpec } from './ddl.ts';
import type { Migration } from './migration.ts';

const ID = '0006-budget-windows';

const tokenBudgetWindowsTable: TableSpec = {
  name: 'TokenBudgetWindows',
  columns: {
    WindowID: { type: 'id' },
    TokenID: { type: 'int', notNull: true },
    WindowStart: { type: 'datetime', notNull: true },
    WindowEnd: { type: 'datetime', notNull: true },
    TokensUsed: { type: 'int', notNull: true, default: 0 },
    RequestCount: { type: 'int', notNull: true, default: 0 },
    CarriedTokens: { type: 'int', notNull: true, default: 0 },
    TokenLimit: { type: 'int', notNull: true, default: 0 },
    ClosedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [
    // One closed window per reset boundary: a second reset of the same window cannot archive twice.
    { name: 'UX_TokenBudgetWindows_TokenID_WindowEnd', columns: ['TokenID', 'WindowEnd'], unique: true },
  ],
};

/**
 * Periodic budgets: a key's TotalTokenLimit can start over every day, week or month at midnight
 * in its time zone. The current window's figures stay in TokenUsageSummary (with its start and
 * next reset); each closed window is kept in TokenBudgetWindows, so no history is lost.
 */
export const budgetWindows: Migration = {
  id: ID,
  steps: (ctx) => [
    ...addColumns(ctx, ctx.schemas.tokenSchema, 'TokenMaster', {
      BudgetPeriod: { type: { text: 16 }, notNull: true, default: 'none' },
      BudgetTimeZone: { type: { text: 64 }, notNull: true, default: 'UTC' },
    }),
    ...addColumns(ctx, ctx.schemas.tokenSchema, 'TokenUsageSummary', {
      WindowStartedAt: { type: 'datetime' },
      NextResetAt: { type: 'datetime' },
      CarriedTokens: { type: 'int', notNull: true, default: 0 },
    }),
    ...addColumns(ctx, ctx.schemas.tokenSchema, 'TokenReservations', {
      BudgetWindowEnd: { type: 'datetime' },
    }),
    ...syncTable(ctx, ctx.schemas.schema, tokenBudgetWindowsTable),
    ...syncIndexes(ctx, ctx.schemas.schema, tokenBudgetWindowsTable),
    // The old layout's compatibility views select *: re-created so they see the new columns.
    ...legacyCompatViews(ctx),
    recordMigration(ctx, ID),
  ],
};
