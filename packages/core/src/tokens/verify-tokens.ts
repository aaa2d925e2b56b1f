import { listTokens, recordKeyCheck, type TokenInfo } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError, isDomainError } from '../errors/domain-error.ts';
import { readApiKey } from '../vault/stored-key.ts';
import { recordAudit } from './audit.ts';
import { requireToken } from './change-token.ts';
import { type KeyCheck, keyCheckText, verificationOf } from './verify-key.ts';

export interface VerifyTokensInput {
  /** One key (any status but removed); all Active keys when omitted. */
  tokenId?: number;
  companyId?: string;
}

export interface KeyVerification {
  tokenId: number;
  companyId: string;
  keyHint: string | null;
  status: string;
  check: KeyCheck;
}

/** Probes at once: enough to check a few hundred keys in a minute, few enough not to look like a flood. */
const PARALLEL = 4;

/**
 * Asks the provider about existing keys and reports each one's state; each result is recorded on
 * the key (LastVerifiedAt, LastVerifyResult) and in AuditLog (`token.verify`). Reports only: a rejected key is marked Invalid by the first
 * extraction that meets the rejection, or by an operator.
 */
export async function verifyTokens(
  deps: CoreDeps,
  who: Actor,
  input: VerifyTokensInput = {},
): Promise<KeyVerification[]> {
  const prober = deps.keyProber;
  if (!prober)
    throw new DomainError(
      'INVALID_INPUT',
      'Key verification is switched off on this gateway (VERIFY_KEYS_ON_ADD=false)',
    );
  const tokens: TokenInfo[] =
    input.tokenId === undefined
      ? await listTokens(deps.db, {
          statuses: ['Active'],
          ...(input.companyId ? { companyId: input.companyId } : {}),
        })
      : [await requireToken(deps, input.tokenId)];
  const results: KeyVerification[] = new Array(tokens.length);
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const index = next++;
      const token = tokens[index]!;
      const check = await checkStored(deps, prober, token.tokenId);
      results[index] = {
        tokenId: token.tokenId,
        companyId: token.companyId,
        keyHint: token.keyHint,
        status: token.status,
        check,
      };
      await recordKeyCheck(deps.db, token.tokenId, new Date(check.checkedAt), keyCheckText(check));
      await recordAudit(deps, who, {
        tokenId: token.tokenId,
        companyId: token.companyId,
        action: 'token.verify',
        before: null,
        after: verificationOf(check, false),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, tokens.length) }, worker));
  return results;
}

async function checkStored(
  deps: CoreDeps,
  prober: NonNullable<CoreDeps['keyProber']>,
  tokenId: number,
): Promise<KeyCheck> {
  let apiKey: string;
  try {
    ({ apiKey } = await readApiKey(deps, tokenId));
  } catch (error) {
    // One unreadable key is reported, not a reason to stop checking the others.
    if (!isDomainError(error)) throw error;
    return {
      state: 'unreachable',
      code: error.code,
      reason: error.message,
      httpStatus: null,
      checkedAt: deps.now().toISOString(),
    };
  }
  return prober(apiKey);
}
