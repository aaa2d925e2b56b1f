import { type DbHandle, listTokens, readTokenStatus, type TokenFilter, type TokenInfo } from '@invoicegw/db';
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
}

export async function listTokenViews(db: DbHandle, filter: TokenFilter = {}): Promise<TokenView[]> {
  const [tokens, statuses] = await Promise.all([
    listTokens(db, filter),
    readTokenStatus(db, filter.companyId),
  ]);
  const byId = new Map(statuses.map((s) => [s.tokenId, s]));
  return tokens.map((t) => {
    const s = byId.get(t.tokenId);
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
  });
}

export async function getTokenView(db: DbHandle, tokenId: number): Promise<TokenView> {
  const token = (await listTokenViews(db, { includeDeleted: true })).find((t) => t.tokenId === tokenId);
  if (!token)
    throw new DomainError('TOKEN_NOT_FOUND', `Token ${tokenId} not found`, { details: { tokenId } });
  return token;
}
