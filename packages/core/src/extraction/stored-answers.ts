import { type CompanyKeyState, listCompanyKeyStates } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { explainNoKey } from '../ledger/acquire-key.ts';
import { leastHold, outputShare } from '../ledger/output-cap.ts';
import type { ExtractionResult } from './extraction-result.ts';
import type { ResultStore } from './result-cache.ts';

type Log = (level: 'INFO' | 'WARNING' | 'ERROR', message: string, extra?: Record<string, unknown>) => void;

function isLapsed(at: string | null, now: Date): boolean {
  return at !== null && Date.parse(at) <= now.getTime();
}

/**
 * A key that an operator lets serve this request now: Active, not past ExpiresAt, not rotated
 * out, with quota left for it (acquireKey's `isUsable` plus the limit). Quota held by requests
 * in flight and a provider cooldown do not count against it: a stored answer calls no provider.
 */
function servesNow(s: CompanyKeyState, now: Date, tokens: number): boolean {
  return (
    s.status === 'Active' &&
    s.retiresAt === null &&
    !isLapsed(s.expiresAt, now) &&
    s.totalTokenLimit - s.usedTokens >= tokens
  );
}

/**
 * A stored answer (a cache hit, an idempotent replay) goes only to a company an uncached request
 * could be served for: with no such key, the same error and text as acquireKey's (explainNoKey).
 */
export async function assertServableNow(deps: CoreDeps, companyId: string, tokens: number): Promise<void> {
  const now = deps.now();
  const states = await listCompanyKeyStates(deps.db, companyId);
  // As acquireKey would hold it: the output cap may be cut down on a key with little left.
  const request = { tokens, output: outputShare(deps.ledger) };
  if (states.some((s) => servesNow(s, now, leastHold(request)))) return;
  throw explainNoKey(companyId, states, request, now);
}

/** Stores a result for the next identical upload; a failure here never fails the request that paid for it. */
export async function storeResultQuietly(
  cache: ResultStore<ExtractionResult>,
  companyId: string,
  sha256: string,
  result: ExtractionResult,
  log: Log,
): Promise<void> {
  try {
    await cache.set(companyId, sha256, result);
  } catch (error) {
    log('WARNING', `Could not store the result in the result cache: ${(error as Error).message}`);
  }
}
