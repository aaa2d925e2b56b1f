import { Kysely, type RawBuilder, sql } from 'kysely';
import type { DatabaseConfig, SchemaNames, SchemaOptions } from './config/database-config.ts';
import { DEFAULT_SCHEMAS, LEGACY_TOKEN_SCHEMA } from './config/database-config.ts';
import { describeDatabase } from './config/database-url.ts';
import type { OpenDatabase } from './db-handle.ts';
import { dbPlugins } from './db-plugins.ts';
import { createMssqlDialect } from './dialects/mssql.ts';
import { createSqliteDialect } from './dialects/sqlite.ts';
import type { Database } from './schema/database.ts';

/** Opens the configured database. Does not touch the schema: call `migrate` for that. */
export async function openDatabase(
  config: DatabaseConfig,
  options: SchemaOptions = { schema: DEFAULT_SCHEMAS.schema },
): Promise<OpenDatabase> {
  if (config.kind === 'sqlite') {
    const db = new Kysely<Database>({ dialect: createSqliteDialect(config.filename) });
    return {
      db,
      kind: 'sqlite',
      schemas: DEFAULT_SCHEMAS,
      description: describeDatabase(config),
      close: () => db.destroy(),
    };
  }
  const bare = new Kysely<Database>({ dialect: await createMssqlDialect(config) });
  try {
    const schemas = await resolveSchemas(bare, options);
    const db = bare.withPlugin(dbPlugins('mssql', schemas)[0]!);
    return { db, kind: 'mssql', schemas, description: describeDatabase(config), close: () => db.destroy() };
  } catch (error) {
    await bare.destroy();
    throw error;
  }
}

/** Is there an old-service TokenMaster in [docUpload], and one in the configured schema? */
export function legacyLayoutProbe(
  schema: string,
): RawBuilder<{ legacy_id: number | null; current_id: number | null }> {
  return sql`select
    object_id(${sql.lit(`${LEGACY_TOKEN_SCHEMA}.TokenMaster`)}, N'U') as legacy_id,
    object_id(${sql.lit(`${schema}.TokenMaster`)}, N'U') as current_id`;
}

/** Keeps a database made by the old service working: its token tables stay where they are. */
async function resolveSchemas(db: Kysely<Database>, options: SchemaOptions): Promise<SchemaNames> {
  if (options.tokenSchema) return { schema: options.schema, tokenSchema: options.tokenSchema };
  const { rows } = await legacyLayoutProbe(options.schema).execute(db);
  const found = rows[0];
  const legacy = found?.legacy_id != null && found.current_id == null;
  return { schema: options.schema, tokenSchema: legacy ? LEGACY_TOKEN_SCHEMA : options.schema };
}
