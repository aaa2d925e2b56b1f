import type { Actor, CoreDeps } from '../core-deps.ts';
import { changeToken, requireToken } from './change-token.ts';
import { getTokenView, type TokenView } from './token-view.ts';

/** Soft removal: the key is never selected again; its usage history and audit trail stay. */
export async function removeToken(deps: CoreDeps, who: Actor, tokenId: number): Promise<TokenView> {
  const token = await requireToken(deps, tokenId);
  await changeToken(deps, who, token, 'token.remove', {
    Status: 'Disabled',
    StatusReason: who.reason ?? `removed by ${who.actor}`,
    DeletedAt: deps.now(),
  });
  return getTokenView(deps.db, tokenId);
}
