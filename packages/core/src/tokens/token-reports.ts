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

/** Usage per company, key, branch, user or day. */
export function usageReport(
  deps: Pick<CoreDeps, 'db'>,
  group: UsageGroup,
  filter: UsageFilter = {},
): Promise<UsageTotal[]> {
  return usageTotals(deps.db, group, filter);
}

/** Who changed which key, newest first. */
export function auditTrail(
  deps: Pick<CoreDeps, 'db'>,
  filter: AuditFilter,
  page: Page,
): Promise<AuditEntry[]> {
  return listAudit(deps.db, filter, page);
}
