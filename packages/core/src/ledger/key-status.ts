import { getToken, type TokenInfo, transitionTokenStatus, updateToken } from '@invoicegw/db';
import { alertDailyQuota, alertStatusChange } from '../alerts/key-alerts.ts';
import type { CoreDeps } from '../core-deps.ts';
import { recordAudit, SYSTEM_ACTOR, tokenSnapshot } from '../tokens/audit.ts';

export interface KeyRef {
  tokenId: number;
  companyId: string;
}

/**
 * An automatic status change (Exceeded, Expired, Invalid, retired → Disabled). It happens only
 * if the key is still in one of `from`, so concurrent processes record it once, in AuditLog.
 */
export async function autoTransition(
  deps: CoreDeps,
  key: KeyRef,
  from: readonly string[],
  to: string,
  reason: string,
  requestId?: string,
): Promise<boolean> {
  const before = await getToken(deps.db, key.tokenId);
  const changed = await transitionTokenStatus(deps.db, key.tokenId, from, to, reason, deps.now());
  if (changed) {
    await recordAutomaticChange(deps, key, before, 'token.status.auto', reason, requestId, `is now ${to}`);
    await alertStatusChange(deps, key, to, reason, requestId);
  }
  return changed;
}

/** The provider rejected the key (400 API_KEY_INVALID, 403): never select it again. */
export function markKeyInvalid(
  deps: CoreDeps,
  key: KeyRef,
  reason: string,
  requestId?: string,
): Promise<boolean> {
  return autoTransition(deps, key, ['Active'], 'Invalid', reason, requestId);
}

/** The key's daily provider quota is spent: skip it until `until` (the next reset). */
export async function coolDownKey(
  deps: CoreDeps,
  key: KeyRef,
  until: Date,
  reason: string,
  requestId?: string,
): Promise<void> {
  const before = await getToken(deps.db, key.tokenId);
  await updateToken(deps.db, key.tokenId, { CooldownUntil: until, UpdatedAt: deps.now() });
  await recordAutomaticChange(
    deps,
    key,
    before,
    'token.cooldown',
    reason,
    requestId,
    `cools down until ${until.toISOString()}`,
  );
  await alertDailyQuota(deps, key, until, requestId);
}

/** Every automatic change is an AuditLog row (actor "system") and a WARNING. */
async function recordAutomaticChange(
  deps: CoreDeps,
  key: KeyRef,
  before: TokenInfo | undefined,
  action: string,
  reason: string,
  requestId: string | undefined,
  what: string,
): Promise<void> {
  const after = await getToken(deps.db, key.tokenId);
  await recordAudit(
    deps,
    { actor: SYSTEM_ACTOR, reason, requestId },
    {
      tokenId: key.tokenId,
      companyId: key.companyId,
      action,
      before: tokenSnapshot(before),
      after: tokenSnapshot(after),
    },
  );
  deps.logger.log(
    'WARNING',
    'token-ledger',
    `Token ${key.tokenId} (${after?.keyHint ?? 'no hint'}) ${what}: ${reason}`,
    {
      tokenId: key.tokenId,
      companyId: key.companyId,
      requestId,
    },
  );
}
