import { type CompiledQuery, sql } from 'kysely';
import { LEGACY_TOKEN_SCHEMA } from '../config/database-config.ts';
import { TOKEN_TABLES } from '../schema/database.ts';
import { rawStep, recordMigration } from './ddl.ts';
import type { AnyExpressionBuilder, Migration, MigrationContext, MigrationStep } from './migration.ts';

const ID = '0003-upgrade-fixes';

function once(builder: { compile(): CompiledQuery }): MigrationStep {
  return { compile: () => builder.compile(), once: true };
}

/** The usage columns the views and reports add up; the old service's columns have no default. */
const COUNTED_ZERO = [
  'InputTokens',
  'OutputTokens',
  'ThoughtsTokens',
  'TextPromptTokens',
  'ImagePromptTokens',
  'DocumentPromptTokens',
  'TextCandidatesTokens',
  'CachedTokens',
  'TotalTokensUsed',
] as const;

/**
 * Old-service columns were added without defaults (an old table keeps its own definition), so
 * rows written before the code named every column hold NULL: vw_UsageSummary then counted one
 * request for three. Backfill them, then rebuild the per-key request count from the log.
 */
function backfills(ctx: MigrationContext): MigrationStep[] {
  const db = ctx.db;
  return [
    once(
      db
        .updateTable('TokenUsageLogs')
        .set({ RequestCount: sql.lit(1) })
        .where('RequestCount', 'is', null),
    ),
    ...COUNTED_ZERO.map((column) =>
      once(db.updateTable('TokenUsageLogs').set(column, sql.lit(0)).where(column, 'is', null)),
    ),
    once(
      db
        .updateTable('TokenUsageLogs')
        .set({ Branch: sql.lit('Default') })
        .where('Branch', 'is', null),
    ),
    once(
      db
        .updateTable('TokenUsageLogs')
        .set({ RequestedBy: sql.lit('System') })
        .where('RequestedBy', 'is', null),
    ),
    once(
      db.updateTable('TokenUsageSummary').set({
        RequestCount: (eb: AnyExpressionBuilder) =>
          eb.fn.coalesce(
            eb
              .selectFrom('TokenUsageLogs as u')
              .select(sql`sum(${sql.ref('u.RequestCount')})`.as('n'))
              .whereRef('u.TokenID', '=', 'TokenUsageSummary.TokenID'),
            sql.lit(0),
          ),
      }),
    ),
  ];
}

/**
 * On the old layout (token tables in [docUpload]) the checklist's unqualified
 * `INSERT INTO TokenMaster …` resolves to the default schema and fails. A plain view per token
 * table in that schema makes those statements work: single-table views accept INSERT, UPDATE and
 * DELETE on SQL Server, Azure SQL and Babelfish alike (synonyms are missing from Babelfish).
 * Dropped and re-created so `select *` sees today's columns: a migration that adds a token
 * column calls this again.
 */
export function legacyCompatViews(ctx: MigrationContext): MigrationStep[] {
  if (ctx.kind !== 'mssql') return [];
  const { schema } = ctx.schemas;
  // Written the same for both layouts (the guard decides), so the script holds it once.
  const source = ctx.schemas.tokenSchema === schema ? LEGACY_TOKEN_SCHEMA : ctx.schemas.tokenSchema;
  return TOKEN_TABLES.flatMap((table) => {
    const view = `${schema}.${table}`;
    const base = `${source}.${table}`;
    const legacy = sql`object_id(${sql.lit(base)}, N'U') is not null and object_id(${sql.lit(view)}, N'U') is null`;
    const create = `create view ${bracket(schema)}.${bracket(table)} as select * from ${bracket(source)}.${bracket(table)}`;
    return [
      rawStep(
        ctx,
        sql`if ${legacy} and object_id(${sql.lit(view)}, N'V') is not null drop view ${sql.raw(`${bracket(schema)}.${bracket(table)}`)}`,
      ),
      rawStep(
        ctx,
        sql`if ${legacy} and object_id(${sql.lit(view)}) is null exec(${sql.raw(`N'${create.replace(/'/g, "''")}'`)})`,
      ),
    ];
  });
}

function bracket(identifier: string): string {
  return `[${identifier.replace(/]/g, ']]')}]`;
}

/** What the old-service upgrade left wrong, found on a real T-SQL server. */
export const upgradeFixes: Migration = {
  id: ID,
  steps: (ctx) => [...backfills(ctx), ...legacyCompatViews(ctx), recordMigration(ctx, ID)],
};
