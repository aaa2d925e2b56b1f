import { carryBudgetWindow, listBudgetWindowStates, type TokenInfo } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { autoTransition } from '../ledger/key-status.ts';
import { minimalRequestTokens } from '../ledger/ledger-options.ts';
import { changeToken, requireToken } from './change-token.ts';

/**
 * A rotation of a key with a budget period: the new key takes the same period, time zone and
 * window (same start, same next reset), and what the old key spent and holds of this window
 * counts as spent on the new one. So a rotation neither restarts the window nor adds budget, and
 * at the next reset the new key starts over at the full limit.
 */
export async function carryBudgetToRotated(
  deps: CoreDeps,
  who: Actor,
  old: TokenInfo,
  spentInWindow: number,
  newTokenId: number,
): Promise<void> {
  if (old.budgetPeriod === 'none') return;
  const [window] = await listBudgetWindowStates(deps.db, { tokenId: old.tokenId });
  const next = await requireToken(deps, newTokenId);
  await changeToken(
    deps,
    { ...who, reason: `carried from token ${old.tokenId} by rotation` },
    next,
    'token.budget',
    {
      BudgetPeriod: old.budgetPeriod,
      BudgetTimeZone: old.budgetTimeZone,
    },
  );
  if (!window?.windowStartedAt || !window.nextResetAt) return;
  // Never more than the new limit: used stays <= limit.
  const carried = Math.max(0, Math.min(spentInWindow, next.totalTokenLimit));
  await carryBudgetWindow(deps.db, {
    tokenId: newTokenId,
    windowStartedAt: new Date(window.windowStartedAt),
    nextResetAt: new Date(window.nextResetAt),
    carriedTokens: carried,
    now: deps.now(),
  });
  const remaining = next.totalTokenLimit - carried;
  if (remaining < minimalRequestTokens(deps.ledger)) {
    await autoTransition(
      deps,
      { tokenId: newTokenId, companyId: next.companyId },
      ['Active'],
      'Exceeded',
      `this budget window is spent (${carried} of ${next.totalTokenLimit} tokens carried from token ${old.tokenId}); it starts over at ${window.nextResetAt}`,
    );
  }
}
