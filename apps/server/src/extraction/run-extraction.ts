import { DomainError, type ExtractionInput, type ExtractionResult, extractInvoice } from '@invoicegw/core';
import type { AuthState } from '../auth/auth-state.ts';
import { authorizeCompany } from '../auth/authorize-company.ts';
import { ServerError } from '../errors/error-table.ts';
import type { ServerDeps } from '../server-deps.ts';

/**
 * Extraction as every route runs it (tRPC, REST, legacy /extract): the caller's credential and
 * company, the per-company concurrency limit, metrics.
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
  const active = deps.inFlight.get(companyId) ?? 0;
  if (active >= deps.config.companyConcurrency) {
    throw new ServerError(
      'COMPANY_BUSY',
      `Company ${companyId} already has ${active} extractions in flight; retry shortly`,
      { retryAfterSeconds: 1 },
    );
  }
  deps.inFlight.set(companyId, active + 1);
  try {
    const result = await extractInvoice(deps.core, input);
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
    const left = (deps.inFlight.get(companyId) ?? 1) - 1;
    if (left <= 0) deps.inFlight.delete(companyId);
    else deps.inFlight.set(companyId, left);
  }
}
