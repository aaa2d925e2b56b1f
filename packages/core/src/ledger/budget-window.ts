import {
  type ClosedWindow,
  type CompanyKeyState,
  getToken,
  listDueBudgetWindows,
  resetBudgetWindow,
} from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { isBudgetPeriod, nextResetAfter, windowStartOf } from './budget-period.ts';
import { autoTransition } from './key-status.ts';
import { minimalRequestTokens } from './ledger-options.ts';

// Periodic budgets at run time. A key's window is reset by the sweeper, or by the first request
// that finds it over (a late sweeper must not refuse a request whose window already ended).
//
// The rule for holds in flight at a reset: a hold is charged to the window whose quota it was
// counted against. The reset marks every open hold of the key with the window it closes; such a
// hold settles into that closed window (TokenBudgetWindows), and only its release touches the
// key's reserved figure. The new window starts at 0 used, less nothing: its own holds only.

/**
 * Resets one key's window if it ended at `boundary` (the NextResetAt the caller saw) and is due.
 * Of concurrent callers (any process) exactly one closes it; the others get null.
 */
export async function resetKeyWindow(
  deps: CoreDeps,
  tokenId: number,
  boundary: string,
): Promise<ClosedWindow | null> {
  const now = deps.now();
  const end = new Date(boundary);
  if (end.getTime() > now.getTime()) return null;
  const token = await getToken(deps.db, tokenId);
  if (!token) return null;
  const period = isBudgetPeriod(token.budgetPeriod) ? token.budgetPeriod : 'none';
  // A key whose period was set to none keeps its figures; NextResetAt is cleared with it, so
  // only a row edited by hand lands here: it starts over daily rather than never.
  const every = period === 'none' ? 'daily' : period;
  // After a long stop the new window is the one holding now, not the one after `boundary`.
  const current = windowStartOf(every, token.budgetTimeZone, now);
  const closed = await resetBudgetWindow(deps.db, {
    tokenId,
    boundary: end,
    windowStartedAt: current.getTime() > end.getTime() ? current : end,
    nextResetAt: nextResetAfter(every, token.budgetTimeZone, now),
    now,
  });
  if (!closed) return null;
  deps.logger.log(
    'INFO',
    'token-ledger',
    `Token ${tokenId} of company ${token.companyId}: ${every} budget window ${closed.windowStart} to ${closed.windowEnd} closed at ${closed.tokensUsed} of ${closed.tokenLimit} tokens (${closed.requestCount} requests, ${closed.holdsInFlight} holds in flight settle into it)`,
    { tokenId, companyId: token.companyId },
  );
  // A key the ledger closed for a spent window serves again in the new one.
  if (token.status === 'Exceeded' && closed.tokenLimit >= minimalRequestTokens(deps.ledger)) {
    await autoTransition(
      deps,
      { tokenId, companyId: token.companyId },
      ['Exceeded'],
      'Active',
      `budget window reset: ${closed.tokenLimit} tokens until ${nextResetAfter(every, token.budgetTimeZone, now).toISOString()}`,
    );
  }
  return closed;
}

/** The sweeper's part: every key whose window has ended. A failing key is logged and skipped. */
export async function resetDueWindows(deps: CoreDeps): Promise<number> {
  let reset = 0;
  for (const due of await listDueBudgetWindows(deps.db, deps.now())) {
    try {
      if (await resetKeyWindow(deps, due.tokenId, due.nextResetAt)) reset += 1;
    } catch (error) {
      deps.logger.log(
        'ERROR',
        'token-ledger',
        `Could not reset the budget window of token ${due.tokenId}: ${(error as Error).message}`,
        { tokenId: due.tokenId },
      );
    }
  }
  return reset;
}

/**
 * Key selection's part: resets the windows of a company's keys that have ended (the sweeper is
 * late) and returns the states as they are now. Without a due window, the states are returned
 * as they are: no extra statement.
 */
export async function withCurrentWindows(
  deps: CoreDeps,
  companyId: string,
  now: Date,
  list: () => Promise<CompanyKeyState[]>,
): Promise<CompanyKeyState[]> {
  const states = await list();
  const due = states.filter((s) => s.nextResetAt !== null && Date.parse(s.nextResetAt) <= now.getTime());
  if (due.length === 0) return states;
  for (const s of due) {
    // Another process may win the reset: either way the window is current afterwards. One that
    // fails leaves the key in its old window, for the sweeper; the request goes on without it.
    await resetKeyWindow(deps, s.tokenId, s.nextResetAt as string).catch((error: unknown) =>
      deps.logger.log(
        'ERROR',
        'token-ledger',
        `Could not reset the budget window of token ${s.tokenId}: ${(error as Error).message}`,
        { tokenId: s.tokenId, companyId },
      ),
    );
  }
  return list();
}
