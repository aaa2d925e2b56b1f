import type { NewRetryAttemptRow } from '@invoicegw/db';
import { insertRetryAttempts } from '@invoicegw/db';
import { DelegateBackoff, handleWhen, retry } from 'cockatiel';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { type KeyLease, normaliseCompanyId } from '../ledger/acquire-key.ts';
import { coolDownKey, markKeyInvalid } from '../ledger/key-status.ts';
import { estimateTokens } from '../ledger/ledger-options.ts';
import {
  markLeaseDispatched,
  presumeLease,
  releaseLease,
  settleLease,
  type UsageReport,
} from '../ledger/settle-lease.ts';
import { classifyFailure, type Failure } from './classify-failure.ts';
import { deadlineSignal } from './deadline-signal.ts';
import {
  acquireTimed,
  deadlineBeforeDispatch,
  type ExtractionObserver,
  leavesRoom,
  type RequestClock,
  startClock,
} from './dispatch-time.ts';
import { backoffDelay, nextPacificMidnight } from './extraction-options.ts';
import type { AttemptInfo, ExtractionResult } from './extraction-result.ts';
import type { ExtractionRuntime } from './extraction-runtime.ts';
import type { ModelReply } from './gemini-provider.ts';
import { checkInvoiceArithmetic } from './invoice-checks.ts';
import { ModelReplySchema } from './invoice-schema.ts';
import { normaliseInvoice } from './normalise-invoice.ts';
import { requestFields, storedFields } from './outcome-fields.ts';
import { assertServableNow, storeResultQuietly } from './stored-answers.ts';
import { type UploadedFile, type ValidatedFile, validateUpload } from './validate-upload.ts';

export interface ExtractionDeps extends CoreDeps {
  runtime: ExtractionRuntime;
  observer?: ExtractionObserver | undefined;
}

export interface ExtractionInput {
  requestId: string;
  companyId: string;
  /** RequestedBy; 'System' when absent. */
  username?: string | undefined;
  /** 'Default' when absent. */
  branch?: string | undefined;
  file: UploadedFile;
  idempotencyKey?: string | undefined;
  /** The caller's own correlation id (its X-Request-Id), carried on the request's log records. */
  clientRequestId?: string | undefined;
  /** When the request reached the server (epoch ms); the deadline counts from here. Default: now. */
  receivedAt?: number | undefined;
  /**
   * When its wait for quota held by requests in flight must end (epoch ms), for a caller that
   * already waited in a line of its own (the server's company slots). Default: QUOTA_WAIT_MS
   * after it first asks for a key. Never past its deadline less MIN_DISPATCH_MS either way.
   */
  quotaWaitUntil?: number | undefined;
}

const LOGGER = 'extraction';

/**
 * The one entry point: validate → result cache → select and reserve a key → call under the
 * retry policy → settle → log. The key chosen is the key called and the key charged.
 */
export async function extractInvoice(
  deps: ExtractionDeps,
  input: ExtractionInput,
): Promise<ExtractionResult> {
  const companyId = normaliseCompanyId(input.companyId);
  const log = (
    level: Parameters<CoreDeps['logger']['log']>[0],
    message: string,
    extra: Record<string, unknown> = {},
  ) => deps.logger.log(level, LOGGER, message, { requestId: input.requestId, companyId, ...extra });
  // No "requested" line: a success is one INFO record carrying everything (issue 14), and every
  // failure's WARNING/ERROR carries what the request was (requestFields).
  const request = requestFields(input);
  let file: ValidatedFile;
  try {
    file = await validateUpload(input.file, deps.runtime.options);
  } catch (error) {
    log('WARNING', `Upload refused: ${(error as Error).message}`, {
      code: (error as DomainError).code,
      ...request,
    });
    throw error;
  }
  const receivedAt = input.receivedAt ?? Date.now();
  const run = () => extractValidated(deps, { ...input, companyId, receivedAt }, file, log);
  if (!input.idempotencyKey) return run();
  const { result, replayed } = await deps.runtime.idempotency.run(
    companyId,
    input.idempotencyKey,
    file.sha256,
    run,
    // The same key in progress elsewhere is waited for, at most until this request's deadline.
    { waitUntil: receivedAt + deps.runtime.options.deadlineMs, requestId: input.requestId },
  );
  if (!replayed) return result;
  // A stored answer only for a company an uncached request could be served for now.
  await assertServableNow(deps, companyId, estimateTokens(deps.ledger, file));
  log('INFO', `Idempotent replay of request ${result.requestId}`, {
    ...storedFields(result, receivedAt, request),
    replay: true,
  });
  return { ...result, requestId: input.requestId, idempotentReplay: true, usage: ZERO_USAGE, attempts: [] };
}

const ZERO_USAGE = { promptTokens: 0, outputTokens: 0, thoughtsTokens: 0, totalTokens: 0 };

type Log = (level: 'INFO' | 'WARNING' | 'ERROR', message: string, extra?: Record<string, unknown>) => void;

async function extractValidated(
  deps: ExtractionDeps,
  input: ExtractionInput,
  file: ValidatedFile,
  log: Log,
): Promise<ExtractionResult> {
  const { cache, inFlight } = deps.runtime;
  const hit = await cache.get(input.companyId, file.sha256);
  if (hit) {
    // Not for a company whose keys could not serve it uncached (Expired, Disabled, none…).
    await assertServableNow(deps, input.companyId, estimateTokens(deps.ledger, file));
    log('INFO', `Served from the result cache (first extracted by request ${hit.requestId})`, {
      ...storedFields(hit, input.receivedAt ?? Date.now(), requestFields(input)),
      cached: true,
    });
    return { ...hit, requestId: input.requestId, cached: true, usage: ZERO_USAGE, attempts: [] };
  }
  // An identical upload already in flight in this process: share its one provider call.
  const { result, shared } = await inFlight.run(`${input.companyId}\n${file.sha256}`, async () => {
    const extracted = await callUnderPolicy(deps, input, file, log);
    await storeResultQuietly(cache, input.companyId, file.sha256, extracted, log);
    return extracted;
  });
  if (!shared) return result;
  log('INFO', `Served by request ${result.requestId}, which was extracting the same file`, {
    ...storedFields(result, input.receivedAt ?? Date.now(), requestFields(input)),
    cached: true,
  });
  return { ...result, requestId: input.requestId, cached: true, usage: ZERO_USAGE, attempts: [] };
}

/** An attempt failed and the policy will try again after `delayMs`. */
class RetryableAttempt extends Error {
  constructor(readonly delayMs: number) {
    super('retryable attempt failure');
  }
}

interface RequestState {
  lease: KeyLease | undefined;
  exclude: Set<number>;
  attempts: AttemptInfo[];
  rows: NewRetryAttemptRow[];
  retriesUsed: number;
  failovers: number;
  invalidOutputRetried: boolean;
  /** The key of a hold charged as presumed: the retry takes a new hold, on that key if it can. */
  retryOn: number | undefined;
  clock: RequestClock;
}

async function callUnderPolicy(
  deps: ExtractionDeps,
  input: ExtractionInput,
  file: ValidatedFile,
  log: Log,
): Promise<ExtractionResult> {
  const { runtime } = deps;
  const state: RequestState = {
    lease: undefined,
    exclude: new Set(),
    attempts: [],
    rows: [],
    retriesUsed: 0,
    failovers: 0,
    invalidOutputRetried: false,
    retryOn: undefined,
    clock: startClock(input.receivedAt ?? Date.now(), runtime.options.deadlineMs, input.quotaWaitUntil),
  };
  // Our retry loop is the only one (the SDK's retries stay off). Attempts are bounded by the
  // counters in RequestState; maxAttempts is only a backstop.
  const policy = retry(
    handleWhen((e) => e instanceof RetryableAttempt),
    {
      maxAttempts: runtime.options.maxRetries + runtime.options.maxKeyFailovers + 2,
      backoff: new DelegateBackoff((ctx) => (ctx.result as { error?: RetryableAttempt }).error?.delayMs ?? 0),
    },
  );
  const tokens = estimateTokens(deps.ledger, file);
  try {
    return await policy.execute(() => attempt(deps, input, file, state, tokens, log));
  } catch (error) {
    const last = state.rows.at(-1);
    if (last) last.IsFinal = true;
    if (state.lease) await releaseQuietly(deps, state.lease, log);
    log('ERROR', `Extraction failed after ${state.attempts.length} attempt(s): ${(error as Error).message}`, {
      code: (error as DomainError).code ?? 'UNEXPECTED',
      ...requestFields(input),
      attempts: state.attempts.length,
      ms: Date.now() - state.clock.receivedAt,
    });
    throw error;
  } finally {
    for (const row of state.rows) if (row.ErrorCode) deps.observer?.failedAttempt?.(row.ErrorCode);
    if (state.rows.length > 0) {
      await insertRetryAttempts(deps.db, state.rows).catch((e: unknown) =>
        log('ERROR', `Could not record ${state.rows.length} retry attempt(s): ${(e as Error).message}`),
      );
    }
  }
}

async function attempt(
  deps: ExtractionDeps,
  input: ExtractionInput,
  file: ValidatedFile,
  state: RequestState,
  tokens: number,
  log: Log,
): Promise<ExtractionResult> {
  const { runtime } = deps;
  state.lease ??= await acquireTimed(
    deps,
    state.clock,
    {
      companyId: input.companyId,
      requestId: input.requestId,
      tokens,
      exclude: state.exclude,
      prefer: state.retryOn,
      // The call follows at once when time is left: the hold is taken marked dispatched.
      dispatchNow: () => leavesRoom(state.clock, runtime.options.minDispatchMs),
    },
    log,
  );
  const lease = state.lease;
  const number = state.attempts.length + 1;
  if (!leavesRoom(state.clock, runtime.options.minDispatchMs)) {
    // Not called: callUnderPolicy's catch gives the hold back.
    const { cause, error } = deadlineBeforeDispatch(state.clock, runtime.options.minDispatchMs);
    recordAttempt(
      state,
      lease,
      number,
      input,
      { code: error.code, httpStatus: null, message: error.message },
      false,
      0,
    );
    deps.observer?.refusedBeforeDispatch(cause);
    throw error;
  }
  // From here the provider may bill the call: a hold left unsettled is charged, not released.
  if (!(await markLeaseDispatched(deps, lease))) {
    // Its hold expired and was swept (released): calling now would spend quota nobody holds.
    state.lease = undefined;
    log('WARNING', `The hold on key ${lease.keyHint} was gone before attempt ${number}; taking a new one`, {
      tokenId: lease.tokenId,
    });
    throw new RetryableAttempt(0);
  }
  const started = performance.now();
  const callDetails = () => ({
    model: runtime.model.model,
    latencyMs: performance.now() - started,
    branch: input.branch?.trim() || 'Default',
    requestedBy: input.username?.trim() || 'System',
  });
  let reply: ModelReply;
  try {
    reply = await runtime.breakerFor(lease.tokenId).execute(() =>
      runtime.attemptTimeout.execute(async ({ signal }) => {
        // Never past the request's deadline, so a hold cannot outlive what it was sized for.
        const bounded = deadlineSignal(signal, state.clock.deadline);
        try {
          return await runtime.model.generate({
            apiKey: lease.apiKey,
            file,
            signal: bounded.signal,
            requestId: input.requestId,
            maxOutputTokens: lease.maxOutputTokens,
          });
        } finally {
          bounded.dispose();
        }
      }),
    );
  } catch (error) {
    const failure = classifyFailure(error, lease.apiKey);
    if (failure.answerLost) {
      // Dispatched, never answered: the provider may have billed it. The hold is charged in
      // full (or left to the sweeper, which does the same); a retry takes a new hold.
      state.lease = undefined;
      state.retryOn = lease.tokenId;
      await presumeLease(deps, lease, callDetails());
    }
    return onFailure(deps, input, state, lease, number, failure, log);
  }
  const call = callDetails();
  if (reply.blockReason) {
    state.lease = undefined;
    await settleLease(deps, lease, { ...call, usage: reply.usage, outcome: 'blocked' });
    recordAttempt(
      state,
      lease,
      number,
      input,
      { code: 'CONTENT_BLOCKED', httpStatus: 200, message: `prompt blocked: ${reply.blockReason}` },
      false,
      0,
    );
    throw new DomainError('CONTENT_BLOCKED', `The provider refused this document (${reply.blockReason})`, {
      details: { blockReason: reply.blockReason },
    });
  }
  const parsed = parseReply(reply);
  if (!parsed) {
    state.lease = undefined;
    await settleLease(deps, lease, { ...call, usage: reply.usage, outcome: 'invalid_output' });
    const again = !state.invalidOutputRetried && leavesRoom(state.clock, runtime.options.minDispatchMs);
    state.invalidOutputRetried = true;
    const failure = {
      code: 'INVALID_MODEL_OUTPUT',
      httpStatus: 200,
      message: `reply is not an invoice under the schema (finish reason ${reply.finishReason ?? 'none'})`,
    };
    recordAttempt(state, lease, number, input, failure, again, 0);
    log(
      'WARNING',
      `Attempt ${number} returned output that is not a valid invoice${again ? '; asking once more' : ''}`,
      { tokenId: lease.tokenId },
    );
    if (again) throw new RetryableAttempt(0);
    throw new DomainError(
      'INVALID_MODEL_OUTPUT',
      'Failed to process invoice: the model did not return a valid invoice',
    );
  }
  // The lease is settled (or, if even that fails, left to the sweeper): never released uncharged.
  state.lease = undefined;
  const settled = await settleLease(deps, lease, { ...call, usage: reply.usage, outcome: 'success' });
  state.attempts.push({ attempt: number, keyHint: lease.keyHint, outcome: 'success' });
  const warnings = [...parsed.warnings, ...checkInvoiceArithmetic(parsed.invoice)];
  // The request's one INFO record: everything an operator asks of a success.
  const ms = Date.now() - state.clock.receivedAt;
  log(
    'INFO',
    `Invoice extracted: ${parsed.invoice.products.length} line(s), ${settled.charged} tokens on key ${lease.keyHint}, ${number} attempt(s), ${ms} ms`,
    {
      ...requestFields(input),
      tokenId: lease.tokenId,
      keyHint: lease.keyHint,
      tokens: settled.charged,
      attempts: number,
      ms,
      pages: file.pages,
      warnings: warnings.length,
      cached: false,
      replay: false,
    },
  );
  return {
    requestId: input.requestId,
    data: parsed.invoice,
    warnings,
    usage: usageSummary(reply.usage),
    keyHint: lease.keyHint,
    attempts: state.attempts,
    cached: false,
    idempotentReplay: false,
    model: runtime.model.model,
    file: { mimeType: file.mimeType, sizeBytes: file.sizeBytes, pages: file.pages, sha256: file.sha256 },
  };
}

/** Gives a hold back; a failure here is logged (the sweeper frees it later) and never hides the request's own error. */
async function releaseQuietly(deps: ExtractionDeps, lease: KeyLease, log: Log): Promise<void> {
  try {
    await releaseLease(deps, lease);
  } catch (error) {
    log(
      'ERROR',
      `Could not release the hold on key ${lease.keyHint}; the sweeper will: ${(error as Error).message}`,
      { tokenId: lease.tokenId },
    );
  }
}

function parseReply(reply: ModelReply) {
  if (!reply.text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    return undefined;
  }
  const shape = ModelReplySchema.safeParse(json);
  return shape.success ? normaliseInvoice(shape.data as Record<string, unknown>) : undefined;
}

function usageSummary(u: UsageReport | null): ExtractionResult['usage'] {
  if (!u) return ZERO_USAGE;
  return {
    promptTokens: u.promptTokens,
    outputTokens: u.candidatesTokens,
    thoughtsTokens: u.thoughtsTokens,
    totalTokens: u.totalTokens,
  };
}

function recordAttempt(
  state: RequestState,
  lease: KeyLease,
  number: number,
  input: ExtractionInput,
  failure: Pick<Failure, 'code' | 'httpStatus' | 'message'>,
  retryable: boolean,
  delayMs: number,
): void {
  state.attempts.push({
    attempt: number,
    keyHint: lease.keyHint,
    outcome: 'failed',
    errorCode: failure.code,
    httpStatus: failure.httpStatus,
    delayMs,
  });
  state.rows.push({
    TokenID: lease.tokenId,
    CompanyID: input.companyId,
    RequestID: input.requestId,
    Attempt: number,
    ErrorCode: failure.code,
    HttpStatus: failure.httpStatus,
    ErrorMessage: failure.message,
    IsRetryable: retryable,
    IsFinal: false,
    DelayMs: delayMs,
    Timestamp: new Date(),
  });
}

/** Decides what a failed attempt means: wait and retry, move to another key, or give up. */
async function onFailure(
  deps: ExtractionDeps,
  input: ExtractionInput,
  state: RequestState,
  lease: KeyLease,
  number: number,
  failure: Failure,
  log: Log,
): Promise<never> {
  const { options } = deps.runtime;
  const keyFailure =
    failure.kind === 'key_rejected' ||
    failure.kind === 'key_quota_exhausted' ||
    failure.kind === 'circuit_open';
  if (keyFailure) {
    // The attempt is recorded first: bookkeeping that fails below must not lose it.
    state.lease = undefined;
    state.exclude.add(lease.tokenId);
    const failover =
      state.failovers < options.maxKeyFailovers && leavesRoom(state.clock, options.minDispatchMs);
    recordAttempt(state, lease, number, input, failure, failover, 0);
    log(
      'WARNING',
      `Attempt ${number} failed on key ${lease.keyHint}: ${failure.code}; ${failover ? 'moving to another key' : 'no failover left'}`,
      {
        tokenId: lease.tokenId,
        httpStatus: failure.httpStatus,
      },
    );
    try {
      if (failure.kind === 'key_rejected') {
        await markKeyInvalid(
          deps,
          lease,
          `provider rejected the key: ${failure.code} (HTTP ${failure.httpStatus})`,
          input.requestId,
        );
      } else if (failure.kind === 'key_quota_exhausted') {
        const until = failure.retryAfterMs
          ? new Date(Date.now() + failure.retryAfterMs)
          : nextPacificMidnight(new Date());
        await coolDownKey(deps, lease, until, 'daily quota exhausted', input.requestId);
      }
    } catch (error) {
      log('ERROR', `Could not park key ${lease.keyHint}: ${(error as Error).message}`, {
        tokenId: lease.tokenId,
      });
    }
    await releaseQuietly(deps, lease, log);
    if (failover) {
      state.failovers += 1;
      throw new RetryableAttempt(0);
    }
    throw toDomainError(failure);
  }
  const retryable = failure.kind === 'transient' || failure.kind === 'rate_limited';
  const delay = retryable
    ? Math.max(backoffDelay(options, state.retriesUsed, deps.runtime.random), failure.retryAfterMs ?? 0)
    : 0;
  const again =
    retryable &&
    state.retriesUsed < options.maxRetries &&
    leavesRoom(state.clock, options.minDispatchMs, delay);
  recordAttempt(state, lease, number, input, failure, again, again ? delay : 0);
  log(
    'WARNING',
    `Attempt ${number} failed on key ${lease.keyHint}: ${failure.code}${failure.httpStatus ? ` (HTTP ${failure.httpStatus})` : ''}; ${again ? `retrying in ${delay} ms` : 'giving up'}`,
    {
      tokenId: lease.tokenId,
      httpStatus: failure.httpStatus,
    },
  );
  if (again) {
    state.retriesUsed += 1;
    throw new RetryableAttempt(delay);
  }
  throw toDomainError(failure);
}

/** The old service's user-facing texts, now with stable codes. */
function toDomainError(failure: Failure): DomainError {
  const details = { providerCode: failure.code, httpStatus: failure.httpStatus };
  const retryAfterSeconds = failure.retryAfterMs ? Math.ceil(failure.retryAfterMs / 1000) : undefined;
  switch (failure.kind) {
    case 'rate_limited':
      return new DomainError(
        'PROVIDER_RATE_LIMITED',
        'Error with the server: Resource limit exceeded. Please try again later.',
        {
          details,
          retryAfterSeconds: retryAfterSeconds ?? 60,
        },
      );
    case 'key_quota_exhausted':
      return new DomainError(
        'TOKEN_BUSY',
        'Error with the server: Resource limit exceeded. Please try again later.',
        {
          details,
          retryAfterSeconds: retryAfterSeconds ?? 3600,
        },
      );
    case 'key_rejected':
      return new DomainError('TOKEN_INVALID', 'Token invalid: the provider rejected the API key.', {
        details,
      });
    case 'rejected':
      return new DomainError('PROVIDER_REJECTED', `The provider rejected the request: ${failure.message}`, {
        details,
      });
    default:
      if (failure.code === 'TIMEOUT' || failure.code === 'DEADLINE_EXCEEDED') {
        return new DomainError('PROVIDER_TIMEOUT', 'Error with the server: Request timed out.', {
          details,
          retryAfterSeconds: 30,
        });
      }
      if (failure.code === 'INTERNAL') {
        return new DomainError(
          'PROVIDER_UNAVAILABLE',
          'Error with the server: Internal server error occurred.',
          { details, retryAfterSeconds: 30 },
        );
      }
      return new DomainError(
        'PROVIDER_UNAVAILABLE',
        'Error with the server: Service temporarily unavailable.',
        { details, retryAfterSeconds: 30 },
      );
  }
}
