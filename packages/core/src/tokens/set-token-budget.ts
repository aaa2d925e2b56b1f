import { ensureSummary, listBudgetWindowStates, setBudgetWindow } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import {
  BUDGET_PERIODS,
  type BudgetPeriod,
  checkTimeZone,
  isBudgetPeriod,
  nextResetAfter,
  windowStartOf,
} from '../ledger/budget-period.ts';
import { resetKeyWindow } from '../ledger/budget-window.ts';
import { changeToken, requireToken } from './change-token.ts';
import { getTokenView, type TokenView } from './token-view.ts';

export interface SetTokenBudgetInput {
  /** none: TotalTokenLimit never starts over (as before periods existed). */
  period: BudgetPeriod | string;
  /** IANA name; by default the key's current one (UTC for a key that never had one). */
  timeZone?: string | undefined;
}

/**
 * Sets how often a key's TotalTokenLimit starts over. Setting a period grants nothing: what the
 * key used so far counts in the window that holds now (the calendar day, ISO week or month in
 * its time zone), which ends at the next local midnight of that period. `none` keeps the figures
 * and stops the resets. Closed windows stay in history either way.
 */
export async function setTokenBudget(
  deps: CoreDeps,
  who: Actor,
  tokenId: number,
  input: SetTokenBudgetInput,
): Promise<TokenView> {
  const period = String(input.period).trim().toLowerCase();
  if (!isBudgetPeriod(period)) {
    throw new DomainError('INVALID_INPUT', `The budget period must be one of ${BUDGET_PERIODS.join(', ')}`);
  }
  let token = await requireToken(deps, tokenId);
  const timeZone = checkTimeZone(input.timeZone ?? token.budgetTimeZone);
  await ensureSummary(deps.db, tokenId);
  const now = deps.now();
  // A key already in a window keeps its start (its figures are that window's); only the end moves.
  let [current] = await listBudgetWindowStates(deps.db, { tokenId });
  // A window that has already ended is closed first, so its figures do not run into the next.
  if (current?.nextResetAt && Date.parse(current.nextResetAt) <= now.getTime()) {
    await resetKeyWindow(deps, tokenId, current.nextResetAt);
    [current] = await listBudgetWindowStates(deps.db, { tokenId });
    token = await requireToken(deps, tokenId);
  }
  const started = current?.windowStartedAt ? new Date(current.windowStartedAt) : undefined;
  await changeToken(deps, who, token, 'token.budget', { BudgetPeriod: period, BudgetTimeZone: timeZone });
  await setBudgetWindow(
    deps.db,
    tokenId,
    period === 'none'
      ? null
      : {
          windowStartedAt: started ?? windowStartOf(period, timeZone, now),
          nextResetAt: nextResetAfter(period, timeZone, now),
        },
    now,
  );
  return getTokenView(deps.db, tokenId);
}
