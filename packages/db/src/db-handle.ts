import type { Kysely } from 'kysely';
import type { SchemaNames } from './config/database-config.ts';
import type { Database } from './schema/database.ts';

export type DbKind = 'sqlite' | 'mssql';

/**
 * What data-access functions take as their first argument: the Kysely instance (or a
 * transaction) plus which engine it talks to, for the few statements that differ
 * (TOP vs LIMIT, OUTPUT vs RETURNING).
 */
export interface DbHandle {
  readonly db: Kysely<Database>;
  readonly kind: DbKind;
  readonly schemas: SchemaNames;
}

/** An open database, owned by whoever opened it. */
export interface OpenDatabase extends DbHandle {
  /** Safe to log: never contains the password. */
  readonly description: string;
  close(): Promise<void>;
}

/** Runs `fn` in one transaction; the handle it receives is bound to that transaction. */
export function inTransaction<T>(handle: DbHandle, fn: (trx: DbHandle) => Promise<T>): Promise<T> {
  return handle.db.transaction().execute((trx) => fn({ ...handle, db: trx }));
}
