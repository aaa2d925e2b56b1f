import { findTokenIdByKeyHash, getToken } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { validateApiKey } from '../vault/key-vault.ts';
import { refuseDuringRollback } from '../vault/rollback-switch.ts';
import { addToken } from './add-token.ts';
import { carryBudgetToRotated } from './carry-budget-window.ts';
import { changeToken, requireToken } from './change-token.ts';
import { isDateInRange } from './token-dates.ts';
import { getTokenView, type TokenView } from './token-view.ts';

export interface RotateTokenInput {
  tokenId: number;
  newApiKey: string;
  /** How long the old key stays Active for requests already in flight. */
  graceSeconds?: number;
  /** The new key's limit; by default what the old key had left, so a rotation never adds budget. */
  totalTokenLimit?: number;
  /** Rotate in a key the provider rejects or gives no verdict on (audited). */
  force?: boolean;
}

export interface RotateTokenResult {
  previous: TokenView;
  current: TokenView;
  /** True when this exact rotation had already been done: nothing changed. */
  alreadyRotated: boolean;
}

/**
 * Replaces a key: the new one is Active at once and takes new requests; the old one serves
 * what is in flight until its grace period ends, then the sweeper disables it. The two stay
 * linked by RotatedFromTokenID. Repeating the same rotation is a no-op.
 */
export async function rotateToken(
  deps: CoreDeps,
  who: Actor,
  input: RotateTokenInput,
): Promise<RotateTokenResult> {
  const apiKey = validateApiKey(input.newApiKey);
  const grace = input.graceSeconds ?? 300;
  if (!Number.isInteger(grace) || grace < 0 || grace > 30 * 86_400) {
    throw new DomainError('INVALID_INPUT', 'The grace period must be 0 to 2,592,000 seconds');
  }
  await refuseDuringRollback(deps, 'rotate a key');
  const existingId = await findTokenIdByKeyHash(deps.db, deps.vault.hash(apiKey));
  if (existingId !== undefined) {
    const existing = await getToken(deps.db, existingId);
    if (existing?.rotatedFromTokenId === input.tokenId) {
      return {
        previous: await getTokenView(deps.db, input.tokenId),
        current: await getTokenView(deps.db, existingId),
        alreadyRotated: true,
      };
    }
    throw new DomainError('DUPLICATE_KEY', 'This API key is already registered', {
      details: { tokenId: existingId },
    });
  }
  const old = await requireToken(deps, input.tokenId);
  const expiresAt = old.expiresAt ? new Date(old.expiresAt) : null;
  if (expiresAt && !isDateInRange(expiresAt)) {
    // Stored before expiries were checked; the new key would inherit it.
    throw new DomainError(
      'INVALID_INPUT',
      `Token ${old.tokenId} has an expiry outside 1753-01-01 to 9999-12-31: set a valid one (setExpiry) before rotating`,
      { details: { tokenId: old.tokenId } },
    );
  }
  const oldView = await getTokenView(deps.db, old.tokenId);
  const carried = Math.max(
    0,
    old.totalTokenLimit - (oldView.usage?.used ?? 0) - (oldView.usage?.reserved ?? 0),
  );
  // A key with a budget period keeps its limit: the new key carries the window and what it spent.
  const periodic = old.budgetPeriod !== 'none';
  const added = await addToken(deps, who, {
    companyId: old.companyId,
    companyName: old.companyName,
    apiKey,
    provider: old.provider,
    totalTokenLimit: input.totalTokenLimit ?? (periodic ? old.totalTokenLimit : carried),
    threshold: oldView.usage?.threshold ?? 3000,
    expiresAt,
    rotatedFromTokenId: old.tokenId,
    ...(input.force ? { force: true } : {}),
  });
  const spent = (oldView.usage?.used ?? 0) + (oldView.usage?.reserved ?? 0);
  await carryBudgetToRotated(deps, who, old, spent, added.tokenId);
  const current = periodic ? { ...(await getTokenView(deps.db, added.tokenId)), ...pick(added) } : added;
  const retiresAt = new Date(deps.now().getTime() + grace * 1000);
  await changeToken(deps, who, old, 'token.rotate', {
    RetiresAt: retiresAt,
    ...(grace === 0
      ? { Status: 'Disabled', StatusReason: `rotated to token ${current.tokenId}` }
      : { StatusReason: `rotating to token ${current.tokenId}` }),
  });
  return { previous: await getTokenView(deps.db, old.tokenId), current, alreadyRotated: false };
}

/** The warnings addToken gave the new key, kept when its view is read again. */
function pick(view: TokenView): Pick<TokenView, 'warnings'> {
  return view.warnings ? { warnings: view.warnings } : {};
}
