/** What an alert subscription can listen to. `test` is sent by `alerts test` only. */
export const ALERT_EVENTS = [
  'threshold_crossed',
  'budget_spent',
  'key_rejected',
  'key_expiring',
  'rotation_grace_ended',
  'daily_quota_hit',
  'circuit_open',
] as const;

export type AlertEventType = (typeof ALERT_EVENTS)[number] | 'test';

export const isAlertEvent = (value: string): value is (typeof ALERT_EVENTS)[number] =>
  (ALERT_EVENTS as readonly string[]).includes(value);

/** What a source reports; the key is named by id and hint only, never by its value. */
export interface AlertEvent {
  type: AlertEventType;
  /** Unique per occurrence: the same occurrence seen by several replicas is delivered once. */
  dedupeKey: string;
  companyId: string | null;
  tokenId: number | null;
  requestId?: string | undefined;
  /** One line for a person. */
  message: string;
  /** Event-specific numbers and dates (used, limit, percent, expiresAt, until …). */
  figures?: Record<string, number | string | null> | undefined;
}

/** The JSON body a receiver gets (the outbox id travels in X-IGW-Delivery). */
export interface AlertPayload {
  event: AlertEventType;
  occurredAt: string;
  company: { id: string | null; name: string | null };
  key: { id: number | null; hint: string | null };
  message: string;
  figures: Record<string, number | string | null>;
  requestId: string | null;
}
