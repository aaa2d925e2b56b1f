import {
  DummyDriver,
  Kysely,
  MssqlAdapter,
  MssqlIntrospector,
  MssqlQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { SchemaNames } from '../config/database-config.ts';
import { DEFAULT_SCHEMAS } from '../config/database-config.ts';
import type { DbKind } from '../db-handle.ts';
import { dbPlugins } from '../db-plugins.ts';
import type { Database } from '../schema/database.ts';

/**
 * A Kysely that compiles but never connects: how every SQL Server statement is checked here,
 * where no SQL Server can run (compile snapshots, the generated T-SQL script).
 */
export function createColdDb(kind: DbKind, schemas: SchemaNames = DEFAULT_SCHEMAS): Kysely<Database> {
  return new Kysely<Database>({
    dialect:
      kind === 'mssql'
        ? {
            createAdapter: () => new MssqlAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new MssqlIntrospector(db),
            createQueryCompiler: () => new MssqlQueryCompiler(),
          }
        : {
            createAdapter: () => new SqliteAdapter(),
            createDriver: () => new DummyDriver(),
            createIntrospector: (db) => new SqliteIntrospector(db),
            createQueryCompiler: () => new SqliteQueryCompiler(),
          },
    plugins: dbPlugins(kind, schemas),
  });
}
