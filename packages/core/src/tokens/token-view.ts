import {
  type DbHandle,
  getToken,
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
  /** What the operator should know about the change just made (a limit too small for one request). */
  warnings?: string[];
}

export async function listTokenViews(db: DbHandle, filter: TokenFilter = {}): Promise<TokenView[]> {
  const [tokens, statuses] = await Promise.all([
    listTokens(db, filter),
    readTokenStatus(db, filter.companyId),
  ]);
  const byId = new Map(statuses.map((s) => [s.tokenId, s]));
  return tokens.map((t) => toView(t, byId.get(t.tokenId)));
}

function toView(t: TokenInfo, s: TokenStatusEntry | undefined): TokenView {
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
  };
}

export async function getTokenView(db: DbHandle, tokenId: number): Promise<TokenView> {
  // One key: read it and its company's status rows, not every key of every company.
  const token = await getToken(db, tokenId);
  if (!token)
    throw new DomainError('TOKEN_NOT_FOUND', `Token ${tokenId} not found`, { details: { tokenId } });
  const status = (await readTokenStatus(db, token.companyId)).find((s) => s.tokenId === tokenId);
  return toView(token, status);
}
