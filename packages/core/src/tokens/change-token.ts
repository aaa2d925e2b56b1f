import { getToken, type TokenInfo, type TokenMasterUpdate, updateToken } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { recordAudit, redactedText, tokenSnapshot } from './audit.ts';

/** Loads a key for an operator's change; removed keys cannot be changed. */
export async function requireToken(
  deps: CoreDeps,
  tokenId: number,
  allowRemoved = false,
): Promise<TokenInfo> {
  const token = await getToken(deps.db, tokenId);
  if (!token || (token.deletedAt && !allowRemoved)) {
    throw new DomainError('TOKEN_NOT_FOUND', `Token ${tokenId} not found`, { details: { tokenId } });
  }
  return token;
}

/** Applies an operator's change and records it, before and after, in AuditLog. */
export async function changeToken(
  deps: CoreDeps,
  who: Actor,
  token: TokenInfo,
  action: string,
  patch: TokenMasterUpdate,
): Promise<TokenInfo> {
  // A status reason is often what the operator typed: shown in every view, so masked like one.
  const statusReason =
    typeof patch.StatusReason === 'string' ? { StatusReason: redactedText(deps, patch.StatusReason) } : {};
  await updateToken(deps.db, token.tokenId, { ...patch, ...statusReason, UpdatedAt: deps.now() });
  const after = await requireToken(deps, token.tokenId, true);
  await recordAudit(deps, who, {
    tokenId: token.tokenId,
    companyId: token.companyId,
    action,
    before: tokenSnapshot(token),
    after: tokenSnapshot(after),
  });
  return after;
}
