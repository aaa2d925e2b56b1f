import { ensureSummary, findTokenIdByKeyHash, getToken, insertToken, setThreshold } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { normaliseCompanyId } from '../ledger/acquire-key.ts';
import { validateApiKey } from '../vault/key-vault.ts';
import { refuseDuringRollback } from '../vault/rollback-switch.ts';
import { recordAudit, tokenSnapshot } from './audit.ts';
import { uncoveredLimitReason, uncoveredLimitWarning } from './limit-coverage.ts';
import { checkDateRange } from './token-dates.ts';
import { getTokenView, type TokenView } from './token-view.ts';
import { admitKey, describeKeyCheck, keyCheckText, verificationOf } from './verify-key.ts';

export interface AddTokenInput {
  companyId: string;
  companyName?: string | null;
  apiKey: string;
  totalTokenLimit?: number;
  threshold?: number;
  expiresAt?: Date | null;
  provider?: string;
  /** Set by rotation: the key this one replaces. */
  rotatedFromTokenId?: number | null;
  /** Admit the key even when the provider rejects it or gives no verdict (audited). */
  force?: boolean;
}

/** Token counts are SQL Server INTs: whole numbers up to 2,000,000,000. */
export function checkLimit(limit: number, what = 'The token limit'): number {
  if (!Number.isInteger(limit) || limit < 0 || limit > 2_000_000_000) {
    throw new DomainError('INVALID_INPUT', `${what} must be a whole number from 0 to 2,000,000,000`);
  }
  return limit;
}

/**
 * Registers a key: encrypted at rest, shown only by its hint from now on. A limit too small for
 * one request registers the key Exceeded, with the reason, and the view says so in `warnings`.
 */
export async function addToken(deps: CoreDeps, who: Actor, input: AddTokenInput): Promise<TokenView> {
  const companyId = normaliseCompanyId(input.companyId);
  const apiKey = validateApiKey(input.apiKey);
  const limit = checkLimit(input.totalTokenLimit ?? 100_000);
  const threshold = checkLimit(input.threshold ?? 3000, 'The threshold');
  const expiresAt = input.expiresAt ? checkDateRange(input.expiresAt, 'expiresAt') : null;
  // A sealed key now would be one the old service, running after a prepared rollback, cannot read.
  await refuseDuringRollback(deps, 'add a key');
  const keyHash = deps.vault.hash(apiKey);
  if ((await findTokenIdByKeyHash(deps.db, keyHash)) !== undefined) {
    throw new DomainError('DUPLICATE_KEY', 'This API key is already registered', { details: { companyId } });
  }
  // Before anything is written: a key the provider refuses never serves, unless forced.
  const check = await admitKey(deps, apiKey, {
    force: input.force === true,
    rotating: input.rotatedFromTokenId != null,
  });
  const now = deps.now();
  const uncovered = uncoveredLimitReason(deps.ledger, limit, 0);
  let tokenId: number;
  try {
    tokenId = await insertToken(deps.db, {
      CompanyID: companyId,
      CompanyName: input.companyName?.trim() || null,
      ApiKey: deps.vault.seal(apiKey),
      KeyHint: deps.vault.hint(apiKey),
      KeyHash: keyHash,
      Provider: input.provider ?? 'Gemini',
      TotalTokenLimit: limit,
      Status: uncovered ? 'Exceeded' : 'Active',
      StatusReason: uncovered ?? null,
      ExpiresAt: expiresAt,
      RotatedFromTokenID: input.rotatedFromTokenId ?? null,
      ...(check ? { LastVerifiedAt: new Date(check.checkedAt), LastVerifyResult: keyCheckText(check) } : {}),
      CreatedAt: now,
      UpdatedAt: now,
    });
  } catch (error) {
    // Lost a race with another registration of the same key (the unique KeyHash index).
    if ((await findTokenIdByKeyHash(deps.db, keyHash)) !== undefined) {
      throw new DomainError('DUPLICATE_KEY', 'This API key is already registered', {
        details: { companyId },
      });
    }
    throw error;
  }
  await ensureSummary(deps.db, tokenId, threshold);
  await setThreshold(deps.db, tokenId, threshold);
  await recordAudit(deps, who, {
    tokenId,
    companyId,
    action: 'token.add',
    before: null,
    after: { ...tokenSnapshot(await getToken(deps.db, tokenId)), ...verificationOf(check, input.force) },
  });
  const view = await getTokenView(deps.db, tokenId);
  const warnings = [
    ...(uncovered ? [uncoveredLimitWarning(uncovered, view.status)] : []),
    ...(check && check.state !== 'ok' ? [`Admitted although ${describeKeyCheck(check)}`] : []),
  ];
  return warnings.length > 0 ? { ...view, warnings } : view;
}
