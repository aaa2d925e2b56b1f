import type { AlertDeliveriesTable } from './alert-deliveries.table.ts';
import type { AlertOutboxTable } from './alert-outbox.table.ts';
import type { AlertSubscriptionsTable } from './alert-subscriptions.table.ts';
import type { ApplicationLogsTable } from './application-logs.table.ts';
import type { AuditLogTable } from './audit-log.table.ts';
import type { ClientKeysTable } from './client-keys.table.ts';
import type { GatewaySettingsTable } from './gateway-settings.table.ts';
import type { IdempotencyKeysTable } from './idempotency-keys.table.ts';
import type { ResultCacheTable } from './result-cache.table.ts';
import type { RetryAttemptsTable } from './retry-attempts.table.ts';
import type { SchemaMigrationsTable } from './schema-migrations.table.ts';
import type { TokenBudgetWindowsTable } from './token-budget-windows.table.ts';
import type { TokenMasterTable } from './token-master.table.ts';
import type { TokenReservationsTable } from './token-reservations.table.ts';
import type { TokenUsageArchiveTable } from './token-usage-archive.table.ts';
import type { TokenUsageLogsTable } from './token-usage-logs.table.ts';
import type { TokenUsageSummaryTable } from './token-usage-summary.table.ts';
import type { FailedRetriesView, RecentErrorsView, TokenStatusView, UsageSummaryView } from './views.ts';

/** Every table and view the service reads or writes, named as in the deployment checklist. */
export interface Database {
  TokenMaster: TokenMasterTable;
  TokenUsageSummary: TokenUsageSummaryTable;
  TokenUsageLogs: TokenUsageLogsTable;
  TokenReservations: TokenReservationsTable;
  TokenBudgetWindows: TokenBudgetWindowsTable;
  AuditLog: AuditLogTable;
  ClientKeys: ClientKeysTable;
  ResultCache: ResultCacheTable;
  IdempotencyKeys: IdempotencyKeysTable;
  AlertSubscriptions: AlertSubscriptionsTable;
  AlertOutbox: AlertOutboxTable;
  AlertDeliveries: AlertDeliveriesTable;
  ApplicationLogs: ApplicationLogsTable;
  RetryAttempts: RetryAttemptsTable;
  TokenUsageArchive: TokenUsageArchiveTable;
  GatewaySettings: GatewaySettingsTable;
  SchemaMigrations: SchemaMigrationsTable;
  vw_TokenStatus: TokenStatusView;
  vw_UsageSummary: UsageSummaryView;
  vw_RecentErrors: RecentErrorsView;
  vw_FailedRetries: FailedRetriesView;
}

export type TableName = keyof Database;

/**
 * The old Python service kept these in `[docUpload]`, so on SQL Server their schema is
 * configured separately from the rest (`tokenSchema`).
 */
export const TOKEN_TABLES = [
  'TokenMaster',
  'TokenUsageSummary',
  'TokenUsageLogs',
  'TokenReservations',
] as const satisfies readonly TableName[];

export const VIEW_NAMES = [
  'vw_TokenStatus',
  'vw_UsageSummary',
  'vw_RecentErrors',
  'vw_FailedRetries',
] as const satisfies readonly TableName[];
