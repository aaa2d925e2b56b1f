export type {
  DatabaseConfig,
  MssqlConfig,
  SchemaNames,
  SchemaOptions,
  SqliteConfig,
} from './config/database-config.ts';
export {
  DatabaseConfigError,
  DEFAULT_SCHEMAS,
  DEFAULT_SQLITE_FILE,
  parseSchemaOptions,
} from './config/database-config.ts';
export { describeDatabase, parseDatabaseUrl } from './config/database-url.ts';
export type { DbHandle, DbKind, OpenDatabase } from './db-handle.ts';
export { inTransaction } from './db-handle.ts';
export { createColdDb } from './dialects/cold.ts';
export { MIGRATIONS } from './migrations/index.ts';
export type { MigrateResult } from './migrations/migrate.ts';
export { migrate } from './migrations/migrate.ts';
export type { Migration } from './migrations/migration.ts';
export { renderResetScript, renderSetupScript } from './migrations/render-tsql.ts';
export { openDatabase } from './open-database.ts';
export * from './repositories/alert-outbox.repository.ts';
export * from './repositories/alert-subscriptions.repository.ts';
export * from './repositories/application-logs.repository.ts';
export * from './repositories/audit-log.repository.ts';
export * from './repositories/budget-windows.repository.ts';
export * from './repositories/client-keys.repository.ts';
export * from './repositories/gateway-settings.repository.ts';
export * from './repositories/idempotency-keys.repository.ts';
export * from './repositories/ledger.repository.ts';
export * from './repositories/monitoring-views.repository.ts';
export * from './repositories/result-cache.repository.ts';
export * from './repositories/retention.repository.ts';
export * from './repositories/retry-attempts.repository.ts';
export type { Page } from './repositories/row-values.ts';
export { toBool, toIso, toNum } from './repositories/row-values.ts';
export * from './repositories/stored-keys.repository.ts';
export * from './repositories/token-master.repository.ts';
export * from './repositories/token-reservations.repository.ts';
export * from './repositories/token-usage-logs.repository.ts';
export * from './repositories/token-usage-summary.repository.ts';
export * from './repositories/usage-export.repository.ts';
export * from './schema/alert-deliveries.table.ts';
export * from './schema/alert-outbox.table.ts';
export * from './schema/alert-subscriptions.table.ts';
export * from './schema/application-logs.table.ts';
export * from './schema/audit-log.table.ts';
export * from './schema/client-keys.table.ts';
export type * from './schema/column-types.ts';
export * from './schema/database.ts';
export * from './schema/idempotency-keys.table.ts';
export * from './schema/result-cache.table.ts';
export * from './schema/retry-attempts.table.ts';
export * from './schema/token-budget-windows.table.ts';
export * from './schema/token-master.table.ts';
export * from './schema/token-reservations.table.ts';
export * from './schema/token-usage-logs.table.ts';
export * from './schema/token-usage-summary.table.ts';
export * from './schema/views.ts';
