import type { Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn, NullableDateTimeColumn } from './column-types.ts';

export const ALERT_OUTBOX_STATUSES = ['pending', 'delivering', 'delivered', 'dead'] as const;
export type AlertOutboxStatus = (typeof ALERT_OUTBOX_STATUSES)[number];

/**
 * One alert to deliver to one subscription: written once (unique SubscriptionID + DedupeKey,
 * so every replica that sees the same event enqueues it once), leased by one dispatcher at a
 * time, retried with backoff, then 'delivered' or 'dead'. Rows survive restarts.
 */
export interface AlertOutboxTable {
  OutboxID: IdColumn;
  SubscriptionID: number;
  EventType: string;
  DedupeKey: string;
  PayloadJson: string;
  Status: AlertOutboxStatus;
  Attempts: number;
  NextAttemptAt: DateTimeColumn;
  /** While 'delivering': past it, the dispatcher is presumed dead and another may take the row. */
  LeaseUntil: NullableDateTimeColumn;
  LeaseOwner: string | null;
  CreatedAt: DateTimeColumn;
  DeliveredAt: NullableDateTimeColumn;
  LastError: string | null;
}

export type AlertOutboxRow = Selectable<AlertOutboxTable>;
