import {
  claimThresholdWarning,
  markReservationDispatched,
  presumeReservation,
  type SettleResult,
  settleOnToken,
} from '@invoicegw/db';
import { alertThresholdCrossed } from '../alerts/key-alerts.ts';
import type { CoreDeps } from '../core-deps.ts';
import type { KeyLease } from './acquire-key.ts';
import { autoTransition } from './key-status.ts';
import { minimalRequestTokens } from './ledger-options.ts';

/** What the provider reported for one call (Gemini's usageMetadata). */
export interface UsageReport {
  promptTokens: number;
  candidatesTokens: number;
  thoughtsTokens: number;
  cachedTokens: number;
  /** totalTokenCount: prompt + candidates + thoughts (+ tool-use prompt). This is what is charged. */
  totalTokens: number;
  textPromptTokens: number;
  imagePromptTokens: number;
  documentPromptTokens: number;
  textCandidatesTokens: number;
}

export interface CallRecord {
  /** null when the provider reported nothing (a 5xx, a timeout): nothing is charged. */
  usage: UsageReport | null;
  outcome: 'success' | 'blocked' | 'failed' | 'invalid_output';
  model: string;
  latencyMs: number;
  branch: string;
  requestedBy: string;
}

/**
 * Ends a lease: releases its hold and charges what the provider reported, in one transaction.
 * Then applies the consequences: Exceeded when the key cannot cover a minimal request any more,
 * and the below-threshold WARNING, logged once.
 */
export async function settleLease(deps: CoreDeps, lease: KeyLease, call: CallRecord): Promise<SettleResult> {
  const u = call.usage;
  const request = {
    tokenId: lease.tokenId,
    reservationId: lease.reservationId,
    usage: u && {
      CompanyID: lease.companyId,
      RequestID: lease.requestId,
      Branch: call.branch,
      RequestedBy: call.requestedBy,
      InputTokens: u.promptTokens,
      OutputTokens: u.candidatesTokens + u.thoughtsTokens,
      ThoughtsTokens: u.thoughtsTokens,
      CachedTokens: u.cachedTokens,
      TextPromptTokens: u.textPromptTokens,
      ImagePromptTokens: u.imagePromptTokens,
      DocumentPromptTokens: u.documentPromptTokens,
      TextCandidatesTokens: u.textCandidatesTokens,
      TotalTokensUsed: u.totalTokens,
      Model: call.model,
      Outcome: call.outcome,
      LatencyMs: Math.round(call.latencyMs),
    },
  };
  // The provider has billed this call: a settle that fails (a deadlock victim, a lock timeout)
  // is tried again rather than given up, so the charge is not lost.
  let result: SettleResult;
  try {
    result = await triedAgain(() => settleOnToken(deps.db, { ...request, now: deps.now() }));
  } catch (error) {
    // The hold stays, marked dispatched: the sweeper charges it at its expiry, as presumed usage.
    deps.logger.log(
      'CRITICAL',
      'token-ledger',
      `Could not record ${u?.totalTokens ?? 0} tokens of a finished call (its hold is left for the sweeper to charge as presumed usage): ${(error as Error).message}`,
      {
        tokenId: lease.tokenId,
        companyId: lease.companyId,
        requestId: lease.requestId,
      },
    );
    throw error;
  }
  await afterChargeQuietly(deps, lease, result);
  deps.quotaWaits?.wake(lease.companyId);
  return result;
}

const SETTLE_ATTEMPTS = 3;

/** A ledger write after the provider was called: tried again (a deadlock victim, a lock timeout) rather than given up. */
async function triedAgain<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= SETTLE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt * attempt));
    }
  }
}

/** The charge is committed; what follows (status, warning, audit) must not undo the answer. */
async function afterChargeQuietly(deps: CoreDeps, hold: ChargedHold, result: SettleResult): Promise<void> {
  try {
    await afterCharge(deps, hold, result);
  } catch (error) {
    deps.logger.log('ERROR', 'token-ledger', `After-charge bookkeeping failed: ${(error as Error).message}`, {
      tokenId: hold.tokenId,
      requestId: hold.requestId,
    });
  }
}

/** What the server counts of presumed charges; core stays free of any metrics library. */
export interface LedgerObserver {
  /** Tokens charged as presumed usage, by a failed attempt or by the sweeper (a dead process's hold). */
  presumedCharge?(charge: { companyId: string; tokens: number; source: 'attempt' | 'sweep' }): void;
}

/**
 * Marks the lease's hold as dispatched, right before its first provider call (once per lease: a
 * retry on the same lease is still the same hold). From here on the provider may bill the call,
 * so a hold that is never settled is charged by the sweeper as presumed usage, not released.
 * False when the hold is gone (it expired and was swept): no call may be made on it.
 */
export async function markLeaseDispatched(deps: CoreDeps, lease: KeyLease): Promise<boolean> {
  if (lease.dispatched) return true;
  const marked = await markReservationDispatched(deps.db, lease.reservationId, deps.now());
  if (marked) lease.dispatched = true;
  return marked;
}

/** What a presumed usage row records of the attempt, besides the hold. */
export type PresumedCall = Pick<CallRecord, 'model' | 'latencyMs' | 'branch' | 'requestedBy'>;

/**
 * Ends a lease whose dispatched call got no answer (the attempt timed out, was aborted, lost its
 * connection): the provider may still have billed it, and reports nothing, so the hold (the most
 * the call can cost) is charged in full as presumed usage. Over-counts when the provider billed
 * less or nothing; never under-counts. Tried again like a settle; if that still fails, the hold
 * stays, marked dispatched, and the sweeper presumes it at its expiry. Returns null then, or
 * when the hold was already gone (swept: charged there).
 */
export async function presumeLease(
  deps: CoreDeps & { observer?: LedgerObserver | undefined },
  lease: KeyLease,
  call: PresumedCall,
): Promise<SettleResult | null> {
  const fields = { tokenId: lease.tokenId, companyId: lease.companyId, requestId: lease.requestId };
  let result: SettleResult | null;
  try {
    result = await triedAgain(() =>
      presumeReservation(deps.db, {
        reservationId: lease.reservationId,
        usage: {
          Branch: call.branch,
          RequestedBy: call.requestedBy,
          Model: call.model,
          LatencyMs: Math.round(call.latencyMs),
        },
        now: deps.now(),
      }),
    );
  } catch (error) {
    deps.logger.log(
      'ERROR',
      'token-ledger',
      `Could not charge the unanswered call's hold of ${lease.reservedTokens} tokens; the sweeper will, at its expiry: ${(error as Error).message}`,
      fields,
    );
    return null;
  }
  if (!result) return null;
  deps.logger.log(
    'WARNING',
    'token-ledger',
    `Request ${lease.requestId} on key ${lease.keyHint} (token ${lease.tokenId}) got no answer after dispatch; its hold of ${result.charged} tokens is charged as presumed usage`,
    { ...fields, presumed: result.charged },
  );
  deps.observer?.presumedCharge?.({ companyId: lease.companyId, tokens: result.charged, source: 'attempt' });
  await afterChargeQuietly(deps, lease, result);
  deps.quotaWaits?.wake(lease.companyId);
  return result;
}

/** Gives a hold back without charging (the call was never made, or charged nothing). */
export async function releaseLease(deps: CoreDeps, lease: KeyLease): Promise<void> {
  await settleOnToken(deps.db, {
    tokenId: lease.tokenId,
    reservationId: lease.reservationId,
    usage: null,
    now: deps.now(),
  });
  deps.quotaWaits?.wake(lease.companyId);
}

/** The hold a charge ended: a live lease, or one the sweeper found (which knows no key hint). */
export type ChargedHold = Pick<KeyLease, 'tokenId' | 'companyId' | 'requestId' | 'reservedTokens'> & {
  keyHint?: string;
};

/**
 * What a committed charge implies: Exceeded when the key cannot cover a minimal request any
 * more, and the below-threshold WARNING, logged once.
 */
export async function afterCharge(deps: CoreDeps, lease: ChargedHold, result: SettleResult): Promise<void> {
  const key = { tokenId: lease.tokenId, companyId: lease.companyId };
  const fields = { tokenId: lease.tokenId, companyId: lease.companyId, requestId: lease.requestId };
  const remaining = result.totalTokenLimit - result.usedTokens;
  const on = lease.keyHint ? `key ${lease.keyHint} (token ${lease.tokenId})` : `token ${lease.tokenId}`;
  // Both should be impossible (holds are upper bounds; attempts end before their hold's TTL).
  // The truth is charged either way, and an operator must hear of it.
  if (result.charged > lease.reservedTokens) {
    deps.logger.log(
      'ERROR',
      'token-ledger',
      `Request ${lease.requestId} on ${on} was charged ${result.charged} tokens, more than the ${lease.reservedTokens} it held`,
      { ...fields, charged: result.charged, held: lease.reservedTokens },
    );
  }
  if (result.released === 0 && result.charged > 0) {
    deps.logger.log(
      'ERROR',
      'token-ledger',
      `Request ${lease.requestId} on ${on} settled after its hold was swept; its ${result.charged} tokens were charged anyway (replacing the presumed charge the sweeper made, if any)`,
      { ...fields, charged: result.charged },
    );
  }
  if (remaining < minimalRequestTokens(deps.ledger)) {
    await autoTransition(
      deps,
      key,
      ['Active'],
      'Exceeded',
      `remaining ${remaining} tokens cannot cover a minimal request`,
      lease.requestId,
    );
  }
  if (
    remaining < result.threshold &&
    result.thresholdWarnedAt === null &&
    (await claimThresholdWarning(deps.db, lease.tokenId, deps.now()))
  ) {
    deps.logger.log(
      'WARNING',
      'token-ledger',
      `Token ${lease.tokenId}${lease.keyHint ? ` (${lease.keyHint})` : ''} of company ${lease.companyId} is below its threshold: ${remaining} of ${result.totalTokenLimit} tokens left`,
      fields,
    );
    await alertThresholdCrossed(
      deps,
      lease,
      { remaining, limit: result.totalTokenLimit, threshold: result.threshold },
      lease.requestId,
    );
  }
}
