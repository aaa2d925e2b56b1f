import {
  type AliasedRawBuilder,
  type Compilable,
  type InsertObject,
  type Selectable,
  type SelectQueryBuilder,
  sql,
} from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { Database } from '../schema/database.ts';

// The engines disagree on what comes back: SQL Server gives Date, boolean and BIGINT-as-string;
// SQLite gives ISO text, 0/1 and numbers. Data-access functions return one shape.

export function toIso(value: Date | string): string;
export function toIso(value: Date | string | null | undefined): string | null;
export function toIso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  // Rows written outside the service may lack the T and Z.
  return /Z$|[+-]\d\d:\d\d$/.test(value) ? value : new Date(`${value.replace(' ', 'T')}Z`).toISOString();
}

export function toBool(value: boolean | number | null | undefined): boolean {
  return value === true || value === 1;
}

export function toNum(value: number | string | bigint | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** Cuts text to a column's length, so an overlong value cannot make an insert fail (the old service lost usage rows that way). */
export function clip<T extends string | null | undefined>(value: T, max: number): T {
  return (typeof value === 'string' && value.length > max ? value.slice(0, max) : value) as T;
}

export interface Page {
  limit: number;
  offset?: number;
}

/** LIMIT/OFFSET on SQLite, OFFSET … FETCH on SQL Server (the query must be ordered). */
export function paged<QB extends SelectQueryBuilder<Database, keyof Database, unknown>>(
  handle: DbHandle,
  query: QB,
  page: Page,
): QB {
  const offset = page.offset ?? 0;
  if (handle.kind === 'mssql') return query.offset(offset).fetch(page.limit) as QB;
  return query.limit(page.limit).offset(offset) as QB;
}

/**
 * `inserted.[C] AS [C]` for each column: an OUTPUT list whose every column is aliased in
 * brackets. Unaliased, some T-SQL engines (Babelfish) name `inserted.TokenID` in lower case,
 * and `row.TokenID` reads undefined. The guard test refuses an unaliased OUTPUT column.
 */
export function outputColumns<C extends string>(
  side: 'inserted' | 'deleted',
  columns: readonly C[],
): Array<AliasedRawBuilder<unknown, C>> {
  return columns.map((c) => sql`${sql.raw(`${side}.${bracket(c)}`)}`.as<C>(sql.raw(bracket(c))));
}

function bracket(identifier: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(identifier)) throw new Error(`not a column name: ${identifier}`);
  return `[${identifier}]`;
}

/**
 * Runs an INSERT, UPDATE or DELETE and returns the first row's `columns` (undefined when no row
 * matched): OUTPUT on SQL Server, RETURNING on SQLite. Values come back raw; convert with toNum/toIso.
 */
export async function firstReturned<
  T extends keyof Database & string,
  C extends keyof Selectable<Database[T]> & string,
>(
  handle: DbHandle,
  _table: T,
  // biome-ignore lint/suspicious/noExplicitAny: any insert/update/delete builder on `_table`
  query: any,
  side: 'inserted' | 'deleted',
  columns: readonly C[],
): Promise<Pick<Selectable<Database[T]>, C> | undefined> {
  return returningColumns(handle, _table, query, side, columns).executeTakeFirst();
}

/** firstReturned's statement, not run: for a statement compiled once (compiled-once.ts). */
export function returningColumns<
  T extends keyof Database & string,
  C extends keyof Selectable<Database[T]> & string,
>(
  handle: DbHandle,
  _table: T,
  // biome-ignore lint/suspicious/noExplicitAny: any insert/update/delete builder on `_table`
  query: any,
  side: 'inserted' | 'deleted',
  columns: readonly C[],
): Compilable<Pick<Selectable<Database[T]>, C>> & {
  executeTakeFirst(): Promise<Pick<Selectable<Database[T]>, C> | undefined>;
} {
  return handle.kind === 'mssql' ? query.output(outputColumns(side, columns)) : query.returning([...columns]);
}

/** The identity an INSERT … OUTPUT/RETURNING gave back; an id that is not a number stops here, not as NaN in the next statement. */
export function returnedId(
  row: Record<string, unknown> | undefined,
  table: string,
  idColumn: string,
): number {
  const id = Number(row?.[idColumn]);
  if (!Number.isSafeInteger(id)) throw new Error(`INSERT INTO ${table} returned no ${idColumn}`);
  return id;
}

/** Inserts one row and returns its identity: OUTPUT on SQL Server, RETURNING on SQLite. */
export async function insertReturningId<T extends keyof Database & string>(
  handle: DbHandle,
  table: T,
  idColumn: keyof Selectable<Database[T]> & string,
  values: InsertObject<Database, T>,
): Promise<number> {
  const row = await firstReturned(handle, table, handle.db.insertInto(table).values(values), 'inserted', [
    idColumn,
  ]);
  return returnedId(row, table, idColumn);
}

/** Splits rows so one INSERT stays under SQL Server's 2,100 parameters. */
export function chunksFor<T extends object>(rows: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(2000 / Math.max(1, columnsPerRow)));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
