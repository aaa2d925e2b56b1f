import { TOKEN_STATUSES, type TokenStatus } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { changeToken, requireToken } from './change-token.ts';
import { getTokenView, type TokenView } from './token-view.ts';

/**
 * Sets a key's status by hand. Re-activating also lifts a cooldown and a pending retirement,
 * because an operator who says Active means "serve with it now".
 */
export async function setTokenStatus(
  deps: CoreDeps,
  who: Actor,
  tokenId: number,
  status: string,
): Promise<TokenView> {
  if (!(TOKEN_STATUSES as readonly string[]).includes(status)) {
    throw new DomainError('INVALID_INPUT', `Status must be one of ${TOKEN_STATUSES.join(', ')}`);
  }
  const token = await requireToken(deps, tokenId);
  await changeToken(deps, who, token, 'token.status', {
    Status: status as TokenStatus,
    StatusReason: who.reason ?? `set by ${who.actor}`,
    ...(status === 'Active' ? { CooldownUntil: null, RetiresAt: null } : {}),
  });
  return getTokenView(deps.db, tokenId);
}
