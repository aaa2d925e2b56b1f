import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import { MIGRATIONS } from './index.ts';
import type { AnyDb, Migration, MigrationContext } from './migration.ts';

export interface MigrateResult {
  /** Ids of the migrations this call ran; empty when the schema was already current. */
  readonly applied: string[];
}

const LOCK_TIMEOUT_MS = 120_000;

/**
 * Brings the schema up to date. Safe to call from every process at every start: one process
 * migrates while the others wait on a lock (sp_getapplock on SQL Server, BEGIN IMMEDIATE on
 * SQLite), then find nothing left to do. On both engines the whole run is one transaction.
 */
export async function migrate(
  handle: DbHandle,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  if ((await pendingMigrations(handle, handle.db, migrations)).length === 0) return { applied: [] };
  if (handle.kind === 'mssql') {
    return handle.db.transaction().execute(async (trx) => {
      await sql`declare @r int;
exec @r = sp_getapplock @Resource = N'invoicegw-schema', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = ${sql.lit(LOCK_TIMEOUT_MS)};
if @r < 0 throw 50001, N'Could not acquire the schema migration lock', 1;`.execute(trx);
      return { applied: await runPending(handle, trx, migrations) };
    });
  }
  return handle.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const applied = await runPending(handle, conn, migrations);
      await sql`commit`.execute(conn);
      return { applied };
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

async function runPending(handle: DbHandle, db: AnyDb, migrations: readonly Migration[]): Promise<string[]> {
  const pending = await pendingMigrations(handle, db, migrations);
  const ctx: MigrationContext = {
    db: db as MigrationContext['db'],
    kind: handle.kind,
    schemas: handle.schemas,
  };
  for (const migration of pending) {
    for (const step of migration.steps(ctx)) {
      if (handle.kind === 'sqlite' && step.skipOnSqlite && (await step.skipOnSqlite(db))) continue;
      await db.executeQuery(step.compile());
    }
  }
  return pending.map((m) => m.id);
}

async function pendingMigrations(
  handle: DbHandle,
  db: AnyDb,
  migrations: readonly Migration[],
): Promise<Migration[]> {
  const exists =
    handle.kind === 'mssql'
      ? sql<{
          id: number | null;
        }>`select object_id(${sql.lit(`${handle.schemas.schema}.SchemaMigrations`)}, N'U') as id`
      : sql<{
          id: number | null;
        }>`select count(*) as id from sqlite_master where type = 'table' and name = 'SchemaMigrations'`;
  const found = (await exists.execute(db)).rows[0]?.id;
  if (!found) return [...migrations];
  const applied = await db.selectFrom('SchemaMigrations').select('MigrationID').execute();
  const done = new Set(applied.map((r) => r.MigrationID));
  return migrations.filter((m) => !done.has(m.id));
}
