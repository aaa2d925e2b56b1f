import { claimThresholdWarning, type SettleResult, settleOnToken } from '@invoicegw/db';
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
  let result: SettleResult | undefined;
  for (let attempt = 1; result === undefined; attempt++) {
    try {
      result = await settleOnToken(deps.db, { ...request, now: deps.now() });
    } catch (error) {
      if (attempt >= SETTLE_ATTEMPTS) {
        deps.logger.log(
          'CRITICAL',
          'token-ledger',
          `Could not record ${u?.totalTokens ?? 0} tokens of a finished call: ${(error as Error).message}`,
          {
            tokenId: lease.tokenId,
            companyId: lease.companyId,
            requestId: lease.requestId,
          },
        );
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt * attempt));
    }
  }
  // The charge is committed; what follows (status, warning, audit) must not undo the answer.
  try {
    await afterCharge(deps, lease, result);
  } catch (error) {
    deps.logger.log('ERROR', 'token-ledger', `After-charge bookkeeping failed: ${(error as Error).message}`, {
      tokenId: lease.tokenId,
      requestId: lease.requestId,
    });
  }
  return result;
}

const SETTLE_ATTEMPTS = 3;

/** Gives a hold back without charging (the call was never made, or charged nothing). */
export async function releaseLease(deps: CoreDeps, lease: KeyLease): Promise<void> {
  await settleOnToken(deps.db, {
    tokenId: lease.tokenId,
    reservationId: lease.reservationId,
    usage: null,
    now: deps.now(),
  });
}

async function afterCharge(deps: CoreDeps, lease: KeyLease, result: SettleResult): Promise<void> {
  const key = { tokenId: lease.tokenId, companyId: lease.companyId };
  const fields = { tokenId: lease.tokenId, companyId: lease.companyId, requestId: lease.requestId };
  const remaining = result.totalTokenLimit - result.usedTokens;
  // Both should be impossible (holds are upper bounds; attempts end before their hold's TTL).
  // The truth is charged either way, and an operator must hear of it.
  if (result.charged > lease.reservedTokens) {
    deps.logger.log(
      'ERROR',
      'token-ledger',
      `Request ${lease.requestId} on key ${lease.keyHint} (token ${lease.tokenId}) was charged ${result.charged} tokens, more than the ${lease.reservedTokens} it held`,
      { ...fields, charged: result.charged, held: lease.reservedTokens },
    );
  }
  if (result.released === 0 && result.charged > 0) {
    deps.logger.log(
      'ERROR',
      'token-ledger',
      `Request ${lease.requestId} on key ${lease.keyHint} (token ${lease.tokenId}) settled after its hold was swept; its ${result.charged} tokens were charged anyway`,
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
      `Token ${lease.tokenId} (${lease.keyHint}) of company ${lease.companyId} is below its threshold: ${remaining} of ${result.totalTokenLimit} tokens left`,
      fields,
    );
  }
}
