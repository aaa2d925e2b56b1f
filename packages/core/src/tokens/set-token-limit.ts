import { clearThresholdWarning, ensureSummary, refreshRemaining, setThreshold } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { minimalRequestTokens } from '../ledger/ledger-options.ts';
import { checkLimit } from './add-token.ts';
import { changeToken, requireToken } from './change-token.ts';
import { uncoveredLimitReason, uncoveredLimitWarning } from './limit-coverage.ts';
import { getTokenView, type TokenView } from './token-view.ts';

/**
 * Changes a key's total limit (and optionally its warning threshold). A key the ledger marked
 * Exceeded becomes Active again when the new limit leaves room for a request; an Active key
 * whose new limit leaves no room for one becomes Exceeded at once, and the view says so in
 * `warnings` (so does any key whose limit leaves no room).
 */
export async function setTokenLimit(
  deps: CoreDeps,
  who: Actor,
  tokenId: number,
  input: { totalTokenLimit: number; threshold?: number },
): Promise<TokenView> {
  const limit = checkLimit(input.totalTokenLimit);
  const threshold = input.threshold === undefined ? undefined : checkLimit(input.threshold, 'The threshold');
  const token = await requireToken(deps, tokenId);
  await ensureSummary(deps.db, tokenId);
  const used = (await getTokenView(deps.db, tokenId)).usage?.used ?? 0;
  const reopen = token.status === 'Exceeded' && limit - used >= minimalRequestTokens(deps.ledger);
  const uncovered = uncoveredLimitReason(deps.ledger, limit, used);
  const close = token.status === 'Active' && uncovered !== undefined;
  await changeToken(deps, who, token, 'token.limit', {
    TotalTokenLimit: limit,
    ...(reopen ? { Status: 'Active', StatusReason: `limit raised to ${limit}` } : {}),
    ...(close ? { Status: 'Exceeded', StatusReason: uncovered } : {}),
  });
  await refreshRemaining(deps.db, tokenId, deps.now());
  if (threshold !== undefined) await setThreshold(deps.db, tokenId, threshold);
  if (limit > token.totalTokenLimit) await clearThresholdWarning(deps.db, tokenId);
  const view = await getTokenView(deps.db, tokenId);
  return uncovered ? { ...view, warnings: [uncoveredLimitWarning(uncovered, view.status)] } : view;
}
