import type { DateTimeColumn } from './column-types.ts';

/** Which migrations have run; written by the service and by sql/setup_database.sql alike. */
export interface SchemaMigrationsTable {
  MigrationID: string;
  AppliedAt: DateTimeColumn;
}
