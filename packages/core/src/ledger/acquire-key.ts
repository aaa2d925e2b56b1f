import { type CompanyKeyState, listCompanyKeyStates, reserveOnToken, settleOnToken } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';
import { readApiKey } from '../vault/stored-key.ts';
import { chooseKey } from './choose-key.ts';
import { autoTransition } from './key-status.ts';

/**
 * One key for one request: the key chosen is the key called and the key charged. The plaintext
 * key lives only in this object, in memory, for the duration of the call.
 */
export interface KeyLease {
  tokenId: number;
  companyId: string;
  requestId: string;
  apiKey: string;
  keyHint: string;
  reservationId: number;
  reservedTokens: number;
}

export interface AcquireInput {
  companyId: string;
  requestId: string;
  /** The worst-case cost to hold (see estimateTokens). */
  tokens: number;
  /** Keys that already failed this request (failover). */
  exclude?: ReadonlySet<number>;
  random?: () => number;
}

/** Trims and checks a company id: ids are matched exactly after trimming. */
export function normaliseCompanyId(companyId: string): string {
  const id = companyId.trim();
  if (id === '' || id.length > 50) {
    throw new DomainError('INVALID_INPUT', 'companyID is required (1 to 50 characters)');
  }
  return id;
}

function isLapsed(at: string | null, now: Date): boolean {
  return at !== null && Date.parse(at) <= now.getTime();
}

/**
 * Chooses one of the company's usable keys at random, weighted by what it has left, and holds
 * `tokens` of its quota with one conditional UPDATE. When that races with another request for
 * the last tokens, it tries the next key. When no key can serve, the error says why.
 */
export async function acquireKey(deps: CoreDeps, input: AcquireInput): Promise<KeyLease> {
  const companyId = normaliseCompanyId(input.companyId);
  const now = deps.now();
  const states = await listCompanyKeyStates(deps.db, companyId);
  for (const state of states) {
    if (state.status === 'Active' && isLapsed(state.expiresAt, now)) {
      await autoTransition(
        deps,
        { tokenId: state.tokenId, companyId },
        ['Active'],
        'Expired',
        'ExpiresAt passed',
        input.requestId,
      );
      state.status = 'Expired';
    }
  }
  let candidates = states
    .filter((s) => isUsable(s, now) && !input.exclude?.has(s.tokenId))
    .map((s) => ({
      tokenId: s.tokenId,
      available: s.totalTokenLimit - s.usedTokens - s.reservedTokens,
      hasSummary: s.hasSummary,
    }));
  let undecryptable: DomainError | undefined;
  for (;;) {
    const pick = chooseKey(candidates, input.tokens, input.random);
    if (!pick) break;
    const reservationId = await reserveOnToken(deps.db, {
      tokenId: pick.tokenId,
      companyId,
      requestId: input.requestId,
      tokens: input.tokens,
      now,
      expiresAt: new Date(now.getTime() + deps.ledger.reservationTtlMs),
      instanceId: deps.ledger.instanceId,
      hasSummary: pick.hasSummary,
    });
    if (reservationId === null) {
      // Another request took the last of this key's quota first.
      candidates = candidates.filter((c) => c.tokenId !== pick.tokenId);
      continue;
    }
    try {
      const { apiKey, keyHint } = await readApiKey(deps, pick.tokenId);
      return {
        tokenId: pick.tokenId,
        companyId,
        requestId: input.requestId,
        apiKey,
        keyHint,
        reservationId,
        reservedTokens: input.tokens,
      };
    } catch (error) {
      await settleOnToken(deps.db, {
        tokenId: pick.tokenId,
        reservationId,
        usage: null,
        now: deps.now(),
      }).catch(() => undefined);
      if (!isDomainError(error, 'KEY_DECRYPT_FAILED')) throw error;
      undecryptable = error;
      // A key this process cannot decrypt (a master key missing here): try the company's others.
      deps.logger.log('ERROR', 'token-ledger', `Token ${pick.tokenId}: ${error.message}`, {
        tokenId: pick.tokenId,
        companyId,
        requestId: input.requestId,
      });
      candidates = candidates.filter((c) => c.tokenId !== pick.tokenId);
    }
  }
  if (undecryptable) throw undecryptable;
  throw explainNoKey(companyId, await listCompanyKeyStates(deps.db, companyId), input, deps.now());
}

function isUsable(s: CompanyKeyState, now: Date): boolean {
  return (
    s.status === 'Active' &&
    s.retiresAt === null &&
    !isLapsed(s.expiresAt, now) &&
    !(s.cooldownUntil && !isLapsed(s.cooldownUntil, now))
  );
}

/** Why no key can serve, in the old service's precedence: Expired > Exceeded > Disabled > Invalid. */
export function explainNoKey(
  companyId: string,
  states: readonly CompanyKeyState[],
  input: Pick<AcquireInput, 'tokens' | 'exclude'>,
  now: Date,
): DomainError {
  const details = { companyId, statuses: [...new Set(states.map((s) => s.status))].sort() };
  if (states.length === 0) {
    return new DomainError(
      'NO_ACTIVE_TOKEN',
      `No active token found for company ${companyId}. No tokens configured for this company.`,
      { details },
    );
  }
  // An Active key that could serve later: its quota is held by requests in flight, its provider
  // quota is spent for the day, or it failed for this request only.
  const waits: number[] = [];
  for (const s of states) {
    if (s.status !== 'Active' || s.retiresAt !== null || isLapsed(s.expiresAt, now)) continue;
    const coversIt = s.totalTokenLimit - s.usedTokens >= input.tokens;
    if (!coversIt) continue;
    if (s.cooldownUntil && !isLapsed(s.cooldownUntil, now))
      waits.push(Math.ceil((Date.parse(s.cooldownUntil) - now.getTime()) / 1000));
    else waits.push(5);
  }
  if (waits.length > 0) {
    const retryAfterSeconds = Math.max(1, Math.min(...waits));
    return new DomainError(
      'TOKEN_BUSY',
      `All usable keys of company ${companyId} are busy (quota held by requests in flight, or the provider's daily quota is spent); retry in ${retryAfterSeconds} s`,
      { details, retryAfterSeconds },
    );
  }
  const has = (test: (s: CompanyKeyState) => boolean) => states.some(test);
  if (has((s) => s.status === 'Expired' || (s.status === 'Active' && isLapsed(s.expiresAt, now)))) {
    return new DomainError(
      'TOKEN_EXPIRED',
      `Token expired: Active token missing: existing token(s) are Expired (company ${companyId}).`,
      { details },
    );
  }
  if (
    has(
      (s) =>
        s.status === 'Exceeded' || (s.status === 'Active' && s.totalTokenLimit - s.usedTokens < input.tokens),
    )
  ) {
    return new DomainError(
      'TOKEN_LIMIT_EXCEEDED',
      `Token limit exceeded: Active token missing: existing token(s) exceeded usage limit (company ${companyId}).`,
      { details },
    );
  }
  if (has((s) => s.status === 'Disabled' || (s.status === 'Active' && s.retiresAt !== null))) {
    return new DomainError(
      'TOKEN_DISABLED',
      `Token disabled: Active token missing: existing token(s) are Disabled (company ${companyId}).`,
      { details },
    );
  }
  if (has((s) => s.status === 'Invalid')) {
    return new DomainError(
      'TOKEN_INVALID',
      `Token invalid: Active token missing: existing token(s) were rejected by the provider as invalid (company ${companyId}).`,
      { details },
    );
  }
  return new DomainError(
    'NO_ACTIVE_TOKEN',
    `No active token found for company ${companyId}. Tokens exist but none is Active.`,
    { details },
  );
}
