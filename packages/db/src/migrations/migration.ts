import type { CompiledQuery, ExpressionBuilder, Kysely } from 'kysely';
import type { SchemaNames } from '../config/database-config.ts';
import type { DbKind } from '../db-handle.ts';

// Migrations are frozen in time: they see untyped tables, not today's Database interface.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyExpressionBuilder = ExpressionBuilder<any, any>;

export interface MigrationContext {
  readonly db: AnyDb;
  readonly kind: DbKind;
  readonly schemas: SchemaNames;
}

/**
 * One statement of a migration. On SQL Server every statement guards itself in SQL, so the
 * same text can go into sql/setup_database.sql; SQLite, which lacks some guards (ADD COLUMN),
 * asks `skipOnSqlite` at run time instead.
 */
export interface MigrationStep {
  readonly compile: () => CompiledQuery;
  readonly skipOnSqlite?: (db: AnyDb) => Promise<boolean>;
  /** A data step (backfill, repair) that must run at most once, even from the T-SQL script. */
  readonly once?: boolean;
  /** CREATE VIEW must be the first statement of its batch: guards wrap it in EXEC. */
  readonly batchFirst?: boolean;
}

export interface Migration {
  /** Sorts in the order migrations run; recorded in SchemaMigrations. */
  readonly id: string;
  readonly steps: (ctx: MigrationContext) => MigrationStep[];
}
