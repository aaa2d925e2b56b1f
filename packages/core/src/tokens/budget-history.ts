import { type BudgetWindowEntry, getToken, listClosedBudgetWindows } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';

/**
 * A key's closed budget windows, newest first: what each spent of its limit. Holds in flight at
 * a reset settle into the window they were taken in, so a closed window's figures can still grow
 * for as long as a hold lives (minutes) after its end.
 */
export async function budgetHistory(
  deps: Pick<CoreDeps, 'db'>,
  tokenId: number,
  limit = 50,
): Promise<BudgetWindowEntry[]> {
  if (!(await getToken(deps.db, tokenId)))
    throw new DomainError('TOKEN_NOT_FOUND', `Token ${tokenId} not found`, { details: { tokenId } });
  return listClosedBudgetWindows(deps.db, tokenId, Math.max(1, Math.min(500, Math.trunc(limit))));
}
