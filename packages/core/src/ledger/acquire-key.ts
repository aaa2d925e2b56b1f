import { type CompanyKeyState, listCompanyKeyStates, reserveOnToken, settleOnToken } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';
import { readApiKey } from '../vault/stored-key.ts';
import { withCurrentWindows } from './budget-window.ts';
import { autoTransition } from './key-status.ts';
import { chooseKeyFor, grantFor, leastHold, type OutputShare } from './output-cap.ts';

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
  /** The hold granted: the whole request, or less on a key with little left (see output-cap.ts). */
  reservedTokens: number;
  /** The output cap to send with the call, cut down with the hold; undefined: the model's own cap. */
  maxOutputTokens?: number | undefined;
  /**
   * Set once its hold is marked dispatched, before its first provider call: as it is taken (see
   * AcquireInput.dispatchNow), or by markLeaseDispatched, which is then a no-op.
   */
  dispatched?: boolean;
}

export interface AcquireInput {
  companyId: string;
  requestId: string;
  /** The worst-case cost to hold (see estimateTokens). */
  tokens: number;
  /**
   * The output cap's part of `tokens`, which may be cut down to its floor on a key with less left
   * (the hold shrinks with it). Without it, all of `tokens` is held or nothing.
   */
  output?: OutputShare | undefined;
  /** Keys that already failed this request (failover). */
  exclude?: ReadonlySet<number>;
  /** A key to try first while it can cover the request: a retry after a presumed charge stays on its key. */
  prefer?: number | undefined;
  /**
   * Asked right before the hold is taken: true when the caller will call the provider at once
   * with it (see KeyLease.dispatched). The hold is then taken marked dispatched, one statement
   * fewer than marking it after; a caller that does not call after all releases it, as ever.
   */
  dispatchNow?: (() => boolean) | undefined;
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
  const states = await withCurrentWindows(deps, companyId, now, () =>
    listCompanyKeyStates(deps.db, companyId, { storedKey: true }),
  );
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
      storedKey: s.storedKey,
    }));
  let undecryptable: DomainError | undefined;
  let preferred = candidates.find((c) => c.tokenId === input.prefer && c.available >= leastHold(input));
  let races = 0;
  for (;;) {
    const pick = preferred ?? chooseKeyFor(candidates, input, input.random);
    preferred = undefined;
    if (!pick) break;
    const grant = grantFor(pick.available, input) ?? { tokens: input.tokens, maxOutputTokens: undefined };
    // Opened before the hold: with a key that opens in memory, nothing is awaited between the
    // hold and the call, so a crash cannot leave a "dispatched" hold that was never called.
    const opened = pick.storedKey === undefined ? undefined : openInMemory(deps, pick.storedKey);
    const dispatched = opened !== undefined && input.dispatchNow?.() === true;
    const reservationId = await reserveOnToken(deps.db, {
      tokenId: pick.tokenId,
      companyId,
      requestId: input.requestId,
      tokens: grant.tokens,
      now,
      expiresAt: new Date(now.getTime() + deps.ledger.reservationTtlMs),
      instanceId: deps.ledger.instanceId,
      hasSummary: pick.hasSummary,
      dispatchedAt: dispatched ? now : undefined,
    });
    if (reservationId === null) {
      // Another request took some or all of this key's quota first: what is left may still do.
      candidates = await afterRace(deps, companyId, candidates, pick.tokenId, races++ < MAX_RACES, now);
      continue;
    }
    try {
      const { apiKey, keyHint } = opened ?? (await readApiKey(deps, pick.tokenId));
      return {
        tokenId: pick.tokenId,
        companyId,
        requestId: input.requestId,
        apiKey,
        keyHint,
        reservationId,
        reservedTokens: grant.tokens,
        maxOutputTokens: grant.maxOutputTokens,
        ...(dispatched ? { dispatched: true } : {}),
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

/**
 * readApiKey's answer from the text read with the company's keys, for a key it would only open
 * (sealed with the current master key). Undefined otherwise, or when it does not open: then
 * readApiKey takes the long way (seals a legacy key, re-seals, reports KEY_DECRYPT_FAILED).
 */
function openInMemory(deps: CoreDeps, stored: string): { apiKey: string; keyHint: string } | undefined {
  if (!deps.vault.isSealed(stored) || deps.vault.needsReseal(stored)) return undefined;
  try {
    const apiKey = deps.vault.open(stored);
    return { apiKey, keyHint: deps.vault.hint(apiKey) };
  } catch {
    return undefined;
  }
}

/** How many times one acquisition looks again at a key it lost a race for. */
const MAX_RACES = 8;

/**
 * After losing a race for a key: the key again with what it has left now (a smaller grant may
 * still fit), or without it once it cannot serve or the looks are used up.
 */
async function afterRace<C extends { tokenId: number; available: number }>(
  deps: CoreDeps,
  companyId: string,
  candidates: C[],
  tokenId: number,
  lookAgain: boolean,
  now: Date,
): Promise<C[]> {
  const fresh = lookAgain
    ? (await listCompanyKeyStates(deps.db, companyId)).find((s) => s.tokenId === tokenId)
    : undefined;
  return candidates.flatMap((c) => {
    if (c.tokenId !== tokenId) return [c];
    if (!fresh || !isUsable(fresh, now)) return [];
    return [{ ...c, available: fresh.totalTokenLimit - fresh.usedTokens - fresh.reservedTokens }];
  });
}

function isUsable(s: CompanyKeyState, now: Date): boolean {
  return (
    s.status === 'Active' &&
    s.retiresAt === null &&
    !isLapsed(s.expiresAt, now) &&
    !(s.cooldownUntil && !isLapsed(s.cooldownUntil, now))
  );
}

/** When the first spent key with a budget period starts over, for the refusal's message. */
function budgetResetNote(spent: readonly CompanyKeyState[]): string {
  const resets = spent.flatMap((s) => (s.nextResetAt ? [s.nextResetAt] : [])).sort();
  return resets[0] ? ` Its budget starts over at ${resets[0]}.` : '';
}

/** Why no key can serve, in the old service's precedence: Expired > Exceeded > Disabled > Invalid. */
export function explainNoKey(
  companyId: string,
  states: readonly CompanyKeyState[],
  input: Pick<AcquireInput, 'tokens' | 'exclude' | 'output'>,
  now: Date,
): DomainError {
  const details = { companyId, statuses: [...new Set(states.map((s) => s.status))].sort() };
  // What one request needs at the least (its output cap at the floor, when it may be cut).
  const need = leastHold(input);
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
  // True when a key this request may use could serve it once holds in flight settle.
  let heldInFlight = false;
  for (const s of states) {
    if (s.status !== 'Active' || s.retiresAt !== null || isLapsed(s.expiresAt, now)) continue;
    const coversIt = s.totalTokenLimit - s.usedTokens >= need;
    if (!coversIt) continue;
    if (s.cooldownUntil && !isLapsed(s.cooldownUntil, now))
      waits.push(Math.ceil((Date.parse(s.cooldownUntil) - now.getTime()) / 1000));
    else {
      waits.push(5);
      if (!input.exclude?.has(s.tokenId)) heldInFlight = true;
    }
  }
  if (waits.length > 0) {
    const retryAfterSeconds = Math.max(1, Math.min(...waits));
    return new DomainError(
      'TOKEN_BUSY',
      `All usable keys of company ${companyId} are busy (quota held by requests in flight, or the provider's daily quota is spent); retry in ${retryAfterSeconds} s`,
      { details: { ...details, heldInFlight }, retryAfterSeconds },
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
    has((s) => s.status === 'Exceeded' || (s.status === 'Active' && s.totalTokenLimit - s.usedTokens < need))
  ) {
    // The most any of its keys that were not stopped by hand has left.
    const spent = states.filter((s) => s.status === 'Active' || s.status === 'Exceeded');
    const left = Math.max(0, ...spent.map((s) => s.totalTokenLimit - s.usedTokens));
    const where = spent.length > 1 ? ' on its fullest key' : '';
    return new DomainError(
      'TOKEN_LIMIT_EXCEEDED',
      `Token limit exceeded: Active token missing: existing token(s) exceeded usage limit (company ${companyId}): ${left} tokens left${where}, one request needs at least ${need}.${budgetResetNote(spent)}`,
      { details: { ...details, tokensLeft: left, tokensNeeded: need } },
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
