import {
  type AuditEntry,
  type AuditFilter,
  listAudit,
  type Page,
  type UsageFilter,
  type UsageGroup,
  type UsageTotal,
  usageTotals,
} from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { redactedText } from './audit.ts';
import { checkDateRange } from './token-dates.ts';

/** Usage per company, key, branch, user or day. */
export async function usageReport(
  deps: Pick<CoreDeps, 'db'>,
  group: UsageGroup,
  filter: UsageFilter = {},
): Promise<UsageTotal[]> {
  if (filter.from) checkDateRange(filter.from, 'from');
  if (filter.to) checkDateRange(filter.to, 'to');
  return usageTotals(deps.db, group, filter);
}

/** Who changed which key, newest first; rows written before redaction existed are masked as they are read. */
export async function auditTrail(
  deps: Pick<CoreDeps, 'db' | 'redact'>,
  filter: AuditFilter,
  page: Page,
): Promise<AuditEntry[]> {
  const entries = await listAudit(deps.db, filter, page);
  return entries.map((e) => ({
    ...e,
    actor: redactedText(deps, e.actor),
    reason: redactedText(deps, e.reason),
  }));
}
