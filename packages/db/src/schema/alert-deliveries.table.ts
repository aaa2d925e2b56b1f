import type { Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

/** The delivery log: one row per attempt to POST an outbox row (status code or error, duration). */
export interface AlertDeliveriesTable {
  DeliveryID: IdColumn;
  OutboxID: number;
  Attempt: number;
  /** The receiver's HTTP status; null when no answer came (refused, timeout, address not allowed). */
  StatusCode: number | null;
  DurationMs: number;
  Error: string | null;
  AttemptedAt: DateTimeColumn;
}

export type AlertDeliveryRow = Selectable<AlertDeliveriesTable>;
