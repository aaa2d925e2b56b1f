import { DomainError, type ExtractionInput, type ExtractionResult, extractInvoice } from '@invoicegw/core';
import type { AuthState } from '../auth/auth-state.ts';
import { authorizeCompany } from '../auth/authorize-company.ts';
import { ServerError } from '../errors/error-table.ts';
import type { ServerDeps } from '../server-deps.ts';

/**
 * Extraction as every route runs it (tRPC, REST, legacy /extract): the caller's credential and
 * company, the per-company concurrency limit (a fair wait for a slot, see company-slots.ts), metrics.
 */
export async function runExtraction(
  deps: ServerDeps,
  auth: AuthState,
  input: ExtractionInput,
): Promise<ExtractionResult> {
  if (deps.draining.value)
    throw new ServerError('SHUTTING_DOWN', 'The service is shutting down; retry on another instance', {
      retryAfterSeconds: 5,
    });
  if (auth.kind === 'invalid') throw new ServerError('UNAUTHORIZED', 'Invalid API key');
  if (deps.config.requireClientKeys && auth.kind === 'anonymous') {
    throw new ServerError(
      'UNAUTHORIZED',
      'Missing client key: send X-Client-Key (or Authorization: Bearer) issued for your company',
    );
  }
  const companyId = input.companyId.trim();
  authorizeCompany(auth, companyId);
  // One bound for both lines, a slot here and quota in core: QUOTA_WAIT_MS in all, never past
  // the deadline less MIN_DISPATCH_MS.
  const { quotaWaitMs, deadlineMs, minDispatchMs } = deps.core.runtime.options;
  const quotaWaitUntil = Date.now() + quotaWaitMs;
  const until = Math.min(quotaWaitUntil, (input.receivedAt ?? Date.now()) + deadlineMs - minDispatchMs);
  const release = await deps.companySlots.take(companyId, until);
  try {
    const result = await extractInvoice(deps.core, { ...input, quotaWaitUntil });
    const outcome = result.cached ? 'cached' : result.idempotentReplay ? 'replay' : 'ok';
    deps.metrics.extractions.inc({ outcome });
    if (result.usage.totalTokens > 0)
      deps.metrics.tokens.inc(
        { company: companyId, key_hint: result.keyHint ?? '' },
        result.usage.totalTokens,
      );
    return result;
  } catch (error) {
    deps.metrics.extractions.inc({
      outcome: error instanceof DomainError || error instanceof ServerError ? error.code : 'INTERNAL',
    });
    throw error;
  } finally {
    release();
  }
}
