import { type CompiledQuery, sql } from 'kysely';
import { BASELINE_TABLES, schemaMigrations } from './0001-baseline.tables.ts';
import { baselineViews } from './0001-baseline.views.ts';
import { createSchemaIfMissing, rawStep, recordMigration, syncIndexes, syncTable } from './ddl.ts';
import type { AnyExpressionBuilder, Migration, MigrationContext, MigrationStep } from './migration.ts';

const ID = '0001-baseline';

/** A data step that runs at most once (guarded by SchemaMigrations in the T-SQL script). */
function onceStep(builder: { compile(): CompiledQuery }): MigrationStep {
  return { compile: () => builder.compile(), once: true };
}

function schemaFor(ctx: MigrationContext, tokenTable: boolean): string {
  return tokenTable ? ctx.schemas.tokenSchema : ctx.schemas.schema;
}

/**
 * Repairs for rows written by the old Python service, so the ledger's invariants hold from
 * the first request on. Each runs once.
 */
function legacyRepairs(ctx: MigrationContext): MigrationStep[] {
  const db = ctx.db;
  const once = { once: true } as const;
  const s = onceStep;
  const steps: MigrationStep[] = [];
  if (ctx.kind === 'sqlite') {
    // Old rows hold 'YYYY-MM-DD HH:MM:SS'; the service compares ISO-8601 text.
    const timeColumns: Array<[string, string]> = [
      ['TokenMaster', 'CreatedAt'],
      ['TokenUsageSummary', 'LastUpdated'],
      ['TokenUsageLogs', 'LoggedAt'],
      ['ApplicationLogs', 'Timestamp'],
      ['RetryAttempts', 'Timestamp'],
    ];
    for (const [table, column] of timeColumns) {
      const iso = sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${sql.ref(column)})`;
      steps.push(
        rawStep(
          ctx,
          sql`update ${sql.table(table)} set ${sql.ref(column)} = ${iso} where ${sql.ref(column)} not like '%Z' and ${iso} is not null`,
          once,
        ),
      );
    }
  }
  steps.push(
    // The old code-created table had no defaults; the service needs these set.
    s(
      db
        .updateTable('TokenMaster')
        .set({ TotalTokenLimit: sql.lit(100000) })
        .where('TotalTokenLimit', 'is', null),
    ),
    s(
      db
        .updateTable('TokenMaster')
        .set({ Provider: sql.lit('Gemini') })
        .where('Provider', 'is', null),
    ),
    // A key without a status was never served by the old service; keep it out of rotation.
    s(
      db
        .updateTable('TokenMaster')
        .set({ Status: sql.lit('Disabled'), StatusReason: sql.lit('imported without a status') })
        .where('Status', 'is', null),
    ),
    s(
      db
        .updateTable('TokenMaster')
        .set({ UpdatedAt: sql.ref('CreatedAt') })
        .where('UpdatedAt', 'is', null),
    ),
    s(
      db
        .updateTable('TokenUsageLogs')
        .set({
          CompanyID: (eb: AnyExpressionBuilder) =>
            eb
              .selectFrom('TokenMaster as t')
              .select('t.CompanyID')
              .whereRef('t.TokenID', '=', 'TokenUsageLogs.TokenID'),
        })
        .where('CompanyID', 'is', null),
    ),
  );
  return steps;
}

/**
 * Exactly one summary row per token, with totals rebuilt from the usage log (the record of
 * what was spent) and remaining = limit - used.
 */
function rebuildSummaries(ctx: MigrationContext): MigrationStep[] {
  const db = ctx.db;
  const s = onceStep;
  const insertMissing = db
    .insertInto('TokenUsageSummary')
    .columns([
      'TokenID',
      'TotalUsedTokens',
      'TotalRemainingTokens',
      'ReservedTokens',
      'Threshold',
      'RequestCount',
    ])
    .expression(
      db
        .selectFrom('TokenMaster as t')
        .select([
          't.TokenID',
          sql.lit(0).as('TotalUsedTokens'),
          sql`${sql.ref('t.TotalTokenLimit')}`.as('TotalRemainingTokens'),
          sql.lit(0).as('ReservedTokens'),
          sql.lit(3000).as('Threshold'),
          sql.lit(0).as('RequestCount'),
        ])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('TokenUsageSummary as s')
                .select(sql.lit(1).as('one'))
                .whereRef('s.TokenID', '=', 't.TokenID'),
            ),
          ),
        ),
    );
  const remaining = db.updateTable('TokenUsageSummary').set({
    TotalRemainingTokens: (eb: AnyExpressionBuilder) =>
      sql`${eb.selectFrom('TokenMaster as t').select('t.TotalTokenLimit').whereRef('t.TokenID', '=', 'TokenUsageSummary.TokenID')} - ${sql.ref('TotalUsedTokens')}`,
  });
  return [
    // The old summary insert raced and could leave duplicates (or orphans): keep one per token.
    s(db.deleteFrom('TokenUsageSummary').where('TokenID', 'is', null)),
    s(
      db.deleteFrom('TokenUsageSummary').where(
        'SummaryID',
        'not in',
        db
          .selectFrom('TokenUsageSummary')
          .select(sql`min(${sql.ref('SummaryID')})`.as('id'))
          .groupBy('TokenID'),
      ),
    ),
    s(insertMissing),
    // Totals are rebuilt from the usage log, which is the record of what was spent.
    s(
      db.updateTable('TokenUsageSummary').set({
        TotalUsedTokens: (eb: AnyExpressionBuilder) =>
          eb.fn.coalesce(
            eb
              .selectFrom('TokenUsageLogs as u')
              .select(sql`sum(${sql.ref('u.TotalTokensUsed')})`.as('n'))
              .whereRef('u.TokenID', '=', 'TokenUsageSummary.TokenID'),
            sql.lit(0),
          ),
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
    s(remaining),
  ];
}

export const baseline: Migration = {
  id: ID,
  steps: (ctx) => [
    ...createSchemaIfMissing(ctx, ctx.schemas.schema),
    ...createSchemaIfMissing(ctx, ctx.schemas.tokenSchema),
    ...syncTable(ctx, ctx.schemas.schema, schemaMigrations),
    ...BASELINE_TABLES.flatMap(({ spec, tokenTable }) => syncTable(ctx, schemaFor(ctx, tokenTable), spec)),
    ...legacyRepairs(ctx),
    ...rebuildSummaries(ctx),
    ...BASELINE_TABLES.flatMap(({ spec, tokenTable }) => syncIndexes(ctx, schemaFor(ctx, tokenTable), spec)),
    ...baselineViews(ctx),
    recordMigration(ctx, ID),
  ],
};
