import { type CompiledQuery, type Expression, type RawBuilder, sql } from 'kysely';
import type { AnyDb, MigrationContext, MigrationStep } from './migration.ts';

/** Portable column types: each maps to one SQL Server and one SQLite type. */
export type ColumnType = 'id' | 'int' | 'bit' | 'datetime' | { text: number | 'max' };

export interface ColumnSpec {
  readonly type: ColumnType;
  readonly notNull?: boolean;
  /** A constant, or 'now' for the current UTC time. */
  readonly default?: number | string | boolean | 'now';
  /** `Table.Column`; applied when the table is created, not when a column is added later. */
  readonly references?: string;
  /** A natural primary key (identity columns are `type: 'id'`). */
  readonly primaryKey?: boolean;
}

export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
  /** Filtered index: only rows where this column is not null (lets UNIQUE ignore NULLs on SQL Server). */
  readonly whereNotNull?: string;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  readonly indexes: readonly IndexSpec[];
}

/** ISO-8601 with milliseconds and Z: the one text form of time stored in SQLite. */
export const SQLITE_NOW = sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

export function nowSql(ctx: MigrationContext): RawBuilder<unknown> {
  return ctx.kind === 'mssql' ? sql`sysutcdatetime()` : SQLITE_NOW;
}

function dataType(ctx: MigrationContext, type: ColumnType): RawBuilder<unknown> {
  if (typeof type === 'object') {
    if (ctx.kind === 'sqlite') return sql`text`;
    return type.text === 'max' ? sql`nvarchar(max)` : sql.raw(`nvarchar(${type.text})`);
  }
  switch (type) {
    case 'id':
    case 'int':
      return ctx.kind === 'mssql' ? sql`int` : sql`integer`;
    case 'bit':
      return ctx.kind === 'mssql' ? sql`bit` : sql`integer`;
    case 'datetime':
      return ctx.kind === 'mssql' ? sql`datetime2(3)` : sql`text`;
  }
}

function defaultValue(ctx: MigrationContext, value: NonNullable<ColumnSpec['default']>): Expression<unknown> {
  if (value === 'now') return ctx.kind === 'mssql' ? sql`sysutcdatetime()` : sql`(${SQLITE_NOW})`;
  if (typeof value === 'boolean') return sql.lit(value ? 1 : 0);
  return sql.lit(value);
}

/** `dbo.TokenMaster` style name for OBJECT_ID / COL_LENGTH. */
export function qualified(schema: string, name: string): RawBuilder<unknown> {
  return sql.lit(`${schema}.${name}`);
}

function step(builder: { compile(): CompiledQuery }, extra: Partial<MigrationStep> = {}): MigrationStep {
  return { compile: () => builder.compile(), ...extra };
}

/** A raw statement (already self-guarding on SQL Server). */
export function rawStep(
  ctx: MigrationContext,
  statement: RawBuilder<unknown>,
  extra: Partial<MigrationStep> = {},
): MigrationStep {
  return { compile: () => statement.compile(ctx.db), ...extra };
}

export function createSchemaIfMissing(ctx: MigrationContext, schema: string): MigrationStep[] {
  if (ctx.kind !== 'mssql') return [];
  // CREATE SCHEMA must be alone in its batch, hence EXEC.
  return [
    rawStep(
      ctx,
      sql`if schema_id(${sql.lit(schema)}) is null exec(${sql.lit(`create schema ${bracket(schema)}`)})`,
    ),
  ];
}

/**
 * CREATE TABLE when missing, then ADD COLUMN for every column an older table lacks (the old
 * Python service's tables have a subset), then the indexes. Every step is idempotent.
 */
export function syncTable(ctx: MigrationContext, schema: string, spec: TableSpec): MigrationStep[] {
  let create = ctx.db.schema.createTable(spec.name);
  for (const [column, col] of Object.entries(spec.columns)) {
    create = create.addColumn(column, dataType(ctx, col.type), (c) => {
      let b = c;
      if (col.type === 'id')
        b = ctx.kind === 'mssql' ? b.identity().primaryKey() : b.primaryKey().autoIncrement();
      if (col.primaryKey) b = b.primaryKey();
      if (col.default !== undefined) b = b.defaultTo(defaultValue(ctx, col.default));
      if (col.notNull) b = b.notNull();
      if (col.references) b = b.references(col.references);
      return b;
    });
  }
  const steps: MigrationStep[] =
    ctx.kind === 'mssql'
      ? [rawStep(ctx, sql`if object_id(${qualified(schema, spec.name)}, N'U') is null ${create}`)]
      : [step(create.ifNotExists())];
  for (const [column, col] of Object.entries(spec.columns)) {
    if (col.type !== 'id' && !col.primaryKey)
      steps.push(...addColumnIfMissing(ctx, schema, spec.name, column, col));
  }
  return steps;
}

/**
 * ADD COLUMN for each of `columns` a table lacks: how a later migration widens a table an
 * earlier one created (syncTable would also CREATE the table from the partial spec).
 */
export function addColumns(
  ctx: MigrationContext,
  schema: string,
  table: string,
  columns: Readonly<Record<string, ColumnSpec>>,
): MigrationStep[] {
  return Object.entries(columns).flatMap(([column, col]) =>
    addColumnIfMissing(ctx, schema, table, column, col),
  );
}

export function syncIndexes(ctx: MigrationContext, schema: string, spec: TableSpec): MigrationStep[] {
  return spec.indexes.map((index) => {
    let create = ctx.db.schema
      .createIndex(index.name)
      .on(spec.name)
      .columns([...index.columns]);
    if (index.unique) create = create.unique();
    if (index.whereNotNull) create = create.where(sql.ref(index.whereNotNull), 'is not', null);
    if (ctx.kind === 'sqlite') return step(create.ifNotExists());
    // INDEXPROPERTY looks the index up by the name it was created with; sys.indexes.name is the
    // engine's own catalog name, which Babelfish stores differently, so a name guard re-creates.
    return rawStep(
      ctx,
      sql`if indexproperty(object_id(${qualified(schema, spec.name)}), ${sql.lit(index.name)}, 'IndexID') is null ${create}`,
    );
  });
}

function addColumnIfMissing(
  ctx: MigrationContext,
  schema: string,
  table: string,
  column: string,
  col: ColumnSpec,
): MigrationStep[] {
  // SQLite cannot ADD COLUMN with a non-constant default: add it nullable, then backfill.
  const sqliteNow = ctx.kind === 'sqlite' && col.default === 'now';
  const add = ctx.db.schema.alterTable(table).addColumn(column, dataType(ctx, col.type), (c) => {
    let b = c;
    if (col.default !== undefined && !sqliteNow) b = b.defaultTo(defaultValue(ctx, col.default));
    if (col.notNull && !sqliteNow) b = b.notNull();
    return b;
  });
  if (ctx.kind === 'mssql') {
    return [rawStep(ctx, sql`if col_length(${qualified(schema, table)}, ${sql.lit(column)}) is null ${add}`)];
  }
  const steps = [step(add, { skipOnSqlite: (db) => sqliteColumnExists(db, table, column) })];
  if (sqliteNow) {
    steps.push(step(ctx.db.updateTable(table).set(column, SQLITE_NOW).where(column, 'is', null)));
  }
  return steps;
}

async function sqliteColumnExists(db: AnyDb, table: string, column: string): Promise<boolean> {
  const rows = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
  return rows.rows.some((r) => r.name === column);
}

/** DROP VIEW IF EXISTS + CREATE VIEW: valid on SQL Server 2016+, Azure SQL, Babelfish and SQLite. */
export function recreateView(
  ctx: MigrationContext,
  name: string,
  body: Expression<unknown>,
): MigrationStep[] {
  return [
    step(ctx.db.schema.dropView(name).ifExists()),
    // biome-ignore lint/suspicious/noExplicitAny: the view body is built untyped like the rest of a migration
    step(ctx.db.schema.createView(name).as(body as any), { batchFirst: true }),
  ];
}

/** Records a migration as applied; a no-op when it already is. */
export function recordMigration(ctx: MigrationContext, id: string): MigrationStep {
  const db = ctx.db;
  return step(
    db
      .insertInto('SchemaMigrations')
      .columns(['MigrationID', 'AppliedAt'])
      .expression(
        db
          .selectNoFrom([sql.lit(id).as('MigrationID'), nowSql(ctx).as('AppliedAt')])
          .where(({ not, exists }) =>
            not(
              exists(
                db
                  .selectFrom('SchemaMigrations')
                  .select(sql.lit(1).as('one'))
                  .where('MigrationID', '=', sql.lit(id)),
              ),
            ),
          ),
      ),
  );
}

function bracket(identifier: string): string {
  return `[${identifier.replace(/]/g, ']]')}]`;
}
