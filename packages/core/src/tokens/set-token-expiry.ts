import type { Actor, CoreDeps } from '../core-deps.ts';
import { changeToken, requireToken } from './change-token.ts';
import { checkDateRange } from './token-dates.ts';
import { getTokenView, type TokenView } from './token-view.ts';

/** Sets or clears ExpiresAt. An Expired key whose new expiry is in the future is Active again. */
export async function setTokenExpiry(
  deps: CoreDeps,
  who: Actor,
  tokenId: number,
  expiresAt: Date | null,
): Promise<TokenView> {
  if (expiresAt !== null) checkDateRange(expiresAt, 'expiresAt');
  const token = await requireToken(deps, tokenId);
  const reopen = token.status === 'Expired' && (expiresAt === null || expiresAt > deps.now());
  await changeToken(deps, who, token, 'token.expiry', {
    ExpiresAt: expiresAt,
    ...(reopen ? { Status: 'Active', StatusReason: 'expiry extended' } : {}),
  });
  return getTokenView(deps.db, tokenId);
}
