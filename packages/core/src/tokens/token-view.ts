import {
  type BudgetWindowState,
  type DbHandle,
  getToken,
  listBudgetWindowStates,
  listTokens,
  readTokenStatus,
  type TokenFilter,
  type TokenInfo,
  type TokenStatusEntry,
} from '@invoicegw/db';
import { DomainError } from '../errors/domain-error.ts';

/** A key as operators see it: its settings and its quota figures; never the key itself. */
export interface TokenView extends TokenInfo {
  usage: {
    used: number;
    reserved: number;
    remaining: number;
    available: number;
    threshold: number;
    requests: number;
    lastUsedAt: string | null;
  } | null;
  health: string | null;
  /**
   * The current budget window of a key with a budget period (its usage figures are this
   * window's); null without a period.
   */
  window: { startedAt: string; nextResetAt: string; carriedTokens: number } | null;
  /** What the operator should know about the change just made (a limit too small for one request). */
  warnings?: string[];
}

export async function listTokenViews(db: DbHandle, filter: TokenFilter = {}): Promise<TokenView[]> {
  const [tokens, statuses, windows] = await Promise.all([
    listTokens(db, filter),
    readTokenStatus(db, filter.companyId),
    listBudgetWindowStates(db, filter.companyId === undefined ? {} : { companyId: filter.companyId }),
  ]);
  const byId = new Map(statuses.map((s) => [s.tokenId, s]));
  const windowOf = new Map(windows.map((w) => [w.tokenId, w]));
  return tokens.map((t) => toView(t, byId.get(t.tokenId), windowOf.get(t.tokenId)));
}

function toView(t: TokenInfo, s: TokenStatusEntry | undefined, w: BudgetWindowState | undefined): TokenView {
  return {
    ...t,
    usage: s
      ? {
          used: s.totalUsedTokens,
          reserved: s.reservedTokens,
          remaining: s.totalRemainingTokens,
          available: s.availableTokens,
          threshold: s.threshold,
          requests: s.requestCount,
          lastUsedAt: s.lastUsedAt,
        }
      : null,
    health: s?.health ?? null,
    window:
      w?.windowStartedAt && w.nextResetAt
        ? { startedAt: w.windowStartedAt, nextResetAt: w.nextResetAt, carriedTokens: w.carriedTokens }
        : null,
  };
}

export async function getTokenView(db: DbHandle, tokenId: number): Promise<TokenView> {
  // One key: read it and its company's status rows, not every key of every company.
  const token = await getToken(db, tokenId);
  if (!token)
    throw new DomainError('TOKEN_NOT_FOUND', `Token ${tokenId} not found`, { details: { tokenId } });
  const [statuses, [window]] = await Promise.all([
    readTokenStatus(db, token.companyId),
    listBudgetWindowStates(db, { tokenId }),
  ]);
  return toView(
    token,
    statuses.find((s) => s.tokenId === tokenId),
    window,
  );
}
