import { type UsageExportCursor, type UsageExportRow, usageExportPage } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { normaliseCompanyId } from '../ledger/acquire-key.ts';
import { checkDateRange } from './token-dates.ts';

export type { UsageExportRow };

export interface UsageExportInput {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  companyId?: string | undefined;
}

/** Groups read per query: small enough to start answering at once, large enough to be few queries. */
export const EXPORT_PAGE_SIZE = 1000;

/** The period checked before anything is read: a refusal, not a half-written export. */
export function checkExportPeriod(input: UsageExportInput): Required<Omit<UsageExportInput, 'companyId'>> & {
  companyId: string | undefined;
} {
  const from = checkDateRange(input.from, 'from');
  const to = checkDateRange(input.to, 'to');
  if (from.getTime() >= to.getTime())
    throw new DomainError('INVALID_INPUT', 'from must be before to (to is exclusive)', {
      details: { field: 'to' },
    });
  return {
    from,
    to,
    companyId: input.companyId === undefined ? undefined : normaliseCompanyId(input.companyId),
  };
}

/**
 * Usage per UTC day, company, key, branch and user (RequestedBy) from TokenUsageLogs, page by
 * page as the caller asks for them: nothing is read before it is wanted, so an export of any
 * size holds one page in memory. Its totals are the ledger's: Σ TotalTokensUsed of the period.
 */
export async function* exportUsagePages(
  deps: Pick<CoreDeps, 'db'>,
  input: UsageExportInput,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<UsageExportRow[], void, undefined> {
  const period = checkExportPeriod(input);
  const filter = {
    from: period.from,
    to: period.to,
    ...(period.companyId === undefined ? {} : { companyId: period.companyId }),
  };
  let after: UsageExportCursor | undefined;
  for (;;) {
    const page = await usageExportPage(deps.db, filter, after, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1];
  }
}
