import type { CompiledQuery } from 'kysely';
import type { SchemaNames } from '../config/database-config.ts';
import { createColdDb } from '../dialects/cold.ts';
import { MIGRATIONS } from './index.ts';
import type { Migration, MigrationContext, MigrationStep } from './migration.ts';

/** A fresh database, and the checklist's layout: everything in dbo. */
export const STANDARD_LAYOUT: SchemaNames = { schema: 'dbo', tokenSchema: 'dbo' };
/** A database made by the old Python service: token tables in [docUpload]. */
export const LEGACY_LAYOUT: SchemaNames = { schema: 'dbo', tokenSchema: 'docUpload' };

const LEGACY_CONDITION =
  "object_id(N'docUpload.TokenMaster', N'U') is not null and object_id(N'dbo.TokenMaster', N'U') is null";

type StepSource = (ctx: MigrationContext) => MigrationStep[];

/**
 * Renders steps as GO-separated T-SQL batches that run on either layout. Steps whose SQL is
 * the same for both are written once; the others twice, each under its layout's condition.
 * The layout is read from the database itself, as the service does at startup.
 */
function renderBatches(source: StepSource, onceId: string | undefined): string[] {
  const compile = (layout: SchemaNames) => {
    const ctx: MigrationContext = { db: createColdDb('mssql', layout), kind: 'mssql', schemas: layout };
    return source(ctx).map((step) => ({ step, query: checked(step.compile()) }));
  };
  const standard = compile(STANDARD_LAYOUT);
  const legacy = compile(LEGACY_LAYOUT);
  if (standard.length !== legacy.length) throw new Error('layouts produced different step counts');
  const batches: string[] = [];
  standard.forEach(({ step, query }, i) => {
    const other = legacy[i]!.query;
    const once =
      step.once && onceId
        ? `not exists (select 1 from "dbo"."SchemaMigrations" where "MigrationID" = N'${onceId}')`
        : undefined;
    if (query.sql === other.sql) {
      batches.push(guard(query.sql, once, step));
    } else {
      batches.push(guard(other.sql, [`(${LEGACY_CONDITION})`, once].filter(Boolean).join(' and '), step));
      batches.push(guard(query.sql, [`not (${LEGACY_CONDITION})`, once].filter(Boolean).join(' and '), step));
    }
  });
  return batches;
}

function guard(statement: string, condition: string | undefined, step: MigrationStep): string {
  if (!condition) return statement;
  if (step.batchFirst) return `if ${condition}\n  exec(N'${statement.replace(/'/g, "''")}')`;
  return `if ${condition}\nbegin\n  ${statement}\nend`;
}

/** A script cannot bind parameters: every constant must be a literal. */
function checked(query: CompiledQuery): CompiledQuery {
  if (query.parameters.length > 0) {
    throw new Error(`statement has parameters and cannot go into a script: ${query.sql}`);
  }
  return query;
}

const HEADER = `SET NOCOUNT ON;
SET XACT_ABORT ON;
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;`;

function joinBatches(title: string[], batches: string[]): string {
  const comment = title.map((line) => `-- ${line}`.trimEnd()).join('\n');
  return `${comment}\n\n${[HEADER, ...batches].join('\nGO\n\n')}\nGO\n`;
}

/** sql/setup_database.sql: every migration, idempotent, for either layout. */
export function renderSetupScript(migrations: readonly Migration[] = MIGRATIONS): string {
  const batches = migrations.flatMap((m) => [`-- migration ${m.id}`, ...renderBatches(m.steps, m.id)]);
  return joinBatches(
    [
      'GENERATED FILE: do not edit. Source: packages/db/src/migrations (pnpm sql:generate).',
      '',
      'Creates or upgrades every table, index and view of the invoice gateway.',
      'Run it in SSMS (open, Execute) or: sqlcmd -S host,1433 -d YourDatabase -U user -b -i sql/setup_database.sql',
      'Running it again changes nothing. On a database made by the old Python service (token tables',
      'in [docUpload]) it upgrades those tables in place and keeps every row.',
      'The service runs the same statements itself at startup.',
    ],
    batches.map((b) => b.replace(/^-- migration (.*)$/, "-- migration $1\nPRINT N'migration $1';")),
  );
}

export const RESET_ORDER = [
  'RetryAttempts',
  'TokenReservations',
  'TokenBudgetWindows',
  'TokenUsageArchive',
  'GatewaySettings',
  'TokenUsageLogs',
  'TokenUsageSummary',
  'AuditLog',
  'ClientKeys',
  'ResultCache',
  'IdempotencyKeys',
  'AlertDeliveries',
  'AlertOutbox',
  'AlertSubscriptions',
  'ApplicationLogs',
  'TokenMaster',
] as const;

/** The checklist's "Reset Database (Testing Only)", children before parents. */
export function resetSteps(ctx: MigrationContext): MigrationStep[] {
  return RESET_ORDER.map((table) => {
    const query = ctx.db.deleteFrom(table);
    return { compile: () => query.compile() };
  });
}

/** sql/reset_test_data.sql */
export function renderResetScript(): string {
  return joinBatches(
    [
      'GENERATED FILE: do not edit. Source: packages/db/src/migrations/render-tsql.ts (pnpm sql:generate).',
      '',
      'TESTING ONLY: deletes every token, usage row, log and audit entry. Tables stay.',
    ],
    [
      ...renderBatches(resetSteps, undefined),
      // The checklist's tests address the first token as TokenID = 1. Not every T-SQL engine
      // has DBCC CHECKIDENT (Babelfish refuses it): there the ids go on, and the script says so.
      `begin try\n  if ${LEGACY_CONDITION}\n    exec(N'dbcc checkident (N''docUpload.TokenMaster'', reseed, 0)')\n  else if object_id(N'dbo.TokenMaster', N'U') is not null\n    exec(N'dbcc checkident (N''dbo.TokenMaster'', reseed, 0)')\nend try\nbegin catch\n  print N'TokenMaster ids were not reseeded (this engine has no DBCC CHECKIDENT): the next token will not be TokenID 1. ' + error_message();\nend catch`,
    ],
  );
}
