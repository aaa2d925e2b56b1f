import type { RetentionTable } from '@invoicegw/db';
import { DomainError } from '../errors/domain-error.ts';

/** Days each table keeps its rows; 0 keeps them forever. */
export type RetentionPolicy = Readonly<Record<RetentionTable, number>>;

/**
 * Logs and failed attempts are for finding today's problems; usage (archived, never lost from
 * the totals) and the audit trail answer questions months later.
 */
export const DEFAULT_RETENTION: RetentionPolicy = {
  ApplicationLogs: 30,
  RetryAttempts: 30,
  TokenUsageLogs: 400,
  AuditLog: 730,
  AlertDeliveries: 30,
};

/** Who changed a key must stay answerable for a year whatever is configured. */
export const MIN_AUDIT_RETENTION_DAYS = 365;

export function checkRetentionPolicy(policy: RetentionPolicy): RetentionPolicy {
  for (const [table, days] of Object.entries(policy)) {
    if (!Number.isInteger(days) || days < 0)
      throw new DomainError('INVALID_INPUT', `Retention for ${table} must be a whole number of days ≥ 0`);
  }
  if (policy.AuditLog !== 0 && policy.AuditLog < MIN_AUDIT_RETENTION_DAYS)
    throw new DomainError(
      'INVALID_INPUT',
      `Retention for AuditLog must be 0 (keep) or at least ${MIN_AUDIT_RETENTION_DAYS} days (got ${policy.AuditLog})`,
    );
  return policy;
}
