import { Kysely } from 'kysely';
import type { DatabaseConfig, SchemaNames } from './config/database-config.ts';
import { DEFAULT_SCHEMAS } from './config/database-config.ts';
import { describeDatabase } from './config/database-url.ts';
import type { OpenDatabase } from './db-handle.ts';
import { dbPlugins } from './db-plugins.ts';
import { createMssqlDialect } from './dialects/mssql.ts';
import { createSqliteDialect } from './dialects/sqlite.ts';
import type { Database } from './schema/database.ts';

/** Opens the configured database. Does not touch the schema: call `migrate` for that. */
export async function openDatabase(
  config: DatabaseConfig,
  schemas: SchemaNames = DEFAULT_SCHEMAS,
): Promise<OpenDatabase> {
  const dialect =
    config.kind === 'sqlite' ? createSqliteDialect(config.filename) : await createMssqlDialect(config);
  const db = new Kysely<Database>({ dialect, plugins: dbPlugins(config.kind, schemas) });
  return {
    db,
    kind: config.kind,
    schemas: config.kind === 'sqlite' ? DEFAULT_SCHEMAS : schemas,
    description: describeDatabase(config),
    close: () => db.destroy(),
  };
}
