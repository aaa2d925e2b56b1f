import type { InsertObject, SelectQueryBuilder } from 'kysely';
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

/** Inserts one row and returns its identity: OUTPUT on SQL Server, RETURNING on SQLite. */
export async function insertReturningId<T extends keyof Database & string>(
  handle: DbHandle,
  table: T,
  idColumn: keyof Database[T] & string,
  values: InsertObject<Database, T>,
): Promise<number> {
  // biome-ignore lint/suspicious/noExplicitAny: the two branches differ only in the clause; the API is typed
  const query = handle.db.insertInto(table).values(values) as any;
  const row =
    handle.kind === 'mssql'
      ? await query.output(`inserted.${idColumn}`).executeTakeFirstOrThrow()
      : await query.returning(idColumn).executeTakeFirstOrThrow();
  return Number(row[idColumn]);
}

/** Splits rows so one INSERT stays under SQL Server's 2,100 parameters. */
export function chunksFor<T extends object>(rows: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(2000 / Math.max(1, columnsPerRow)));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
