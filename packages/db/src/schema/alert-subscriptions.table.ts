import type { Selectable } from 'kysely';
import type { BitColumn, DateTimeColumn, IdColumn } from './column-types.ts';

/**
 * Webhook subscriptions for operator alerts: where to POST which events, signed with a secret
 * that is stored sealed by the key vault (like API keys) and shown once, at creation.
 */
export interface AlertSubscriptionsTable {
  SubscriptionID: IdColumn;
  /** http(s) only; checked against private addresses at creation and at every delivery. */
  Url: string;
  /** Comma-separated event types, e.g. `threshold_crossed,budget_spent`. */
  Events: string;
  /** The signing secret, sealed (`enc:v1:…`). */
  SecretEncrypted: string;
  SecretHint: string;
  Enabled: BitColumn;
  /** Set by an operator (audited): loopback and private addresses are allowed for this one. */
  AllowPrivate: BitColumn;
  Label: string | null;
  CreatedAt: DateTimeColumn;
  CreatedBy: string;
}

export type AlertSubscriptionRow = Selectable<AlertSubscriptionsTable>;
