import type { DateTimeColumn } from './column-types.ts';

/** Named switches every replica reads from the database (e.g. a prepared rollback). */
export interface GatewaySettingsTable {
  Name: string;
  Value: string;
  UpdatedBy: string | null;
  UpdatedAt: DateTimeColumn;
}
