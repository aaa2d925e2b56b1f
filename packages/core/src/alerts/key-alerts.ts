import type { CoreDeps } from '../core-deps.ts';
import { raiseAlert } from './enqueue-alert.ts';

interface KeyRef {
  tokenId: number;
  companyId: string;
}

/**
 * The alert an automatic status change raises, if any: Exceeded is the budget spent, Invalid
 * the provider rejecting the key. A transition happens once (conditional UPDATE), so its time
 * makes the dedupe key.
 */
export async function alertStatusChange(
  deps: Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>,
  key: KeyRef,
  to: string,
  reason: string,
  requestId: string | undefined,
): Promise<void> {
  const type = to === 'Exceeded' ? 'budget_spent' : to === 'Invalid' ? 'key_rejected' : undefined;
  if (!type) return;
  await raiseAlert(deps, {
    type,
    dedupeKey: `${type}:${key.tokenId}:${deps.now().toISOString()}`,
    companyId: key.companyId,
    tokenId: key.tokenId,
    requestId,
    message:
      type === 'budget_spent'
        ? `Key ${key.tokenId} of company ${key.companyId} has spent its budget: ${reason}`
        : `The provider rejected key ${key.tokenId} of company ${key.companyId}: ${reason}`,
    figures: { reason },
  });
}

/** The provider's daily quota for a key is spent until `until` (one alert per key and reset). */
export function alertDailyQuota(
  deps: Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>,
  key: KeyRef,
  until: Date,
  requestId: string | undefined,
): Promise<void> {
  return raiseAlert(deps, {
    type: 'daily_quota_hit',
    dedupeKey: `daily:${key.tokenId}:${until.toISOString()}`,
    companyId: key.companyId,
    tokenId: key.tokenId,
    requestId,
    message: `Key ${key.tokenId} of company ${key.companyId} hit the provider's daily quota; it is skipped until ${until.toISOString()}`,
    figures: { until: until.toISOString() },
  });
}

/** A rotated-out key's grace period is over and it no longer serves. */
export function alertRotationGraceEnded(
  deps: Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>,
  key: KeyRef,
  retiresAt: string | null,
): Promise<void> {
  return raiseAlert(deps, {
    type: 'rotation_grace_ended',
    dedupeKey: `grace:${key.tokenId}:${retiresAt ?? deps.now().toISOString()}`,
    companyId: key.companyId,
    tokenId: key.tokenId,
    message: `The grace period of rotated-out key ${key.tokenId} of company ${key.companyId} is over: it is Disabled`,
    figures: { retiresAt },
  });
}

/**
 * A key's circuit opened in this process. Each replica has its own breaker, so the dedupe key
 * is the key and the 15-minute slot: replicas opening together send one alert.
 */
export function alertCircuitOpen(
  deps: Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>,
  tokenId: number,
  companyId: string | null,
): Promise<void> {
  const slot = Math.floor(deps.now().getTime() / 900_000);
  return raiseAlert(deps, {
    type: 'circuit_open',
    dedupeKey: `circuit:${tokenId}:${slot}`,
    companyId,
    tokenId,
    message: `The circuit for key ${tokenId} opened: the provider failed repeatedly on it, and calls fail over without trying it for a while`,
  });
}

/** A key fell below its warning threshold (claimed once per crossing in the ledger). */
export function alertThresholdCrossed(
  deps: Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>,
  key: KeyRef,
  figures: { remaining: number; limit: number; threshold: number },
  requestId: string | undefined,
): Promise<void> {
  const used = figures.limit - figures.remaining;
  return raiseAlert(deps, {
    type: 'threshold_crossed',
    dedupeKey: `threshold:${key.tokenId}:${figures.limit}:${figures.threshold}:${deps.now().toISOString()}`,
    companyId: key.companyId,
    tokenId: key.tokenId,
    requestId,
    message: `Key ${key.tokenId} of company ${key.companyId} is below its threshold: ${figures.remaining} of ${figures.limit} tokens left`,
    figures: {
      used,
      remaining: figures.remaining,
      limit: figures.limit,
      threshold: figures.threshold,
      percentUsed: figures.limit > 0 ? Math.round((used / figures.limit) * 1000) / 10 : null,
    },
  });
}
