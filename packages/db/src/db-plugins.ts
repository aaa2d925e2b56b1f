import type { KyselyPlugin } from 'kysely';
import type { SchemaNames } from './config/database-config.ts';
import type { DbKind } from './db-handle.ts';
import type { TableName } from './schema/database.ts';
import { TOKEN_TABLES, VIEW_NAMES } from './schema/database.ts';
import { TableSchemaPlugin } from './schema/table-schema-plugin.ts';

const ALL_NAMES: readonly TableName[] = [
  ...TOKEN_TABLES,
  'AuditLog',
  'ClientKeys',
  'TokenBudgetWindows',
  'ResultCache',
  'IdempotencyKeys',
  'AlertSubscriptions',
  'AlertOutbox',
  'AlertDeliveries',
  'ApplicationLogs',
  'RetryAttempts',
  'TokenUsageArchive',
  'GatewaySettings',
  'SchemaMigrations',
  ...VIEW_NAMES,
];

/** The same plugins for live and compile-only instances, so snapshots show what really runs. */
export function dbPlugins(kind: DbKind, schemas: SchemaNames): KyselyPlugin[] {
  return kind === 'mssql' ? [new TableSchemaPlugin(schemas, ALL_NAMES)] : [];
}
