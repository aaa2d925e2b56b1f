import { isBrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { ProviderHttpError } from './gemini-provider.ts';

/**
 * What a failed attempt means for the request, decided by HTTP status and google.rpc status
 * and reason, never by matching error text.
 */
export type FailureKind =
  /** 408, 500, 502, 503, 504, network errors, timeouts: retry with backoff. */
  | 'transient'
  /** A per-minute 429: retry after the delay the provider asks for. */
  | 'rate_limited'
  /** The key's daily quota is spent: park the key, fail over. */
  | 'key_quota_exhausted'
  /** 400 API_KEY_INVALID, 403: mark the key Invalid, fail over. */
  | 'key_rejected'
  /** This key's circuit is open: fail over without calling. */
  | 'circuit_open'
  /** Any other 4xx: the request itself is wrong; not retried. */
  | 'rejected';

export interface Failure {
  kind: FailureKind;
  /** The google.rpc status or reason (RESOURCE_EXHAUSTED, API_KEY_INVALID…), or NETWORK / TIMEOUT. */
  code: string;
  httpStatus: number | null;
  /** The delay the provider asked for (RetryInfo.retryDelay or Retry-After). */
  retryAfterMs: number | undefined;
  /** Safe to store and show: no key, no request body. */
  message: string;
  /**
   * The call may have reached the provider and its answer never arrived (a timeout, an abort, a
   * connection lost after connecting): the provider may bill it and reports nothing, so its hold
   * is charged in full as presumed usage. False for an answer (any HTTP status: Google does not
   * bill an error reply), a refused connection, or an open circuit: nothing was billed.
   */
  answerLost: boolean;
}

type GoogleError = {
  error?: { code?: number; status?: string; message?: string; details?: Array<Record<string, unknown>> };
};

export function classifyFailure(error: unknown, apiKey: string): Failure {
  const scrub = (text: string) => (apiKey ? text.split(apiKey).join('[key]') : text).slice(0, 1000);
  if (isBrokenCircuitError(error)) {
    return {
      kind: 'circuit_open',
      code: 'CIRCUIT_OPEN',
      httpStatus: null,
      retryAfterMs: undefined,
      message: 'circuit open for this key',
      answerLost: false,
    };
  }
  if (
    error instanceof TaskCancelledError ||
    ['AbortError', 'TimeoutError'].includes((error as Error)?.name)
  ) {
    return {
      kind: 'transient',
      code: 'TIMEOUT',
      httpStatus: null,
      retryAfterMs: undefined,
      message: 'the provider did not answer in time',
      answerLost: true,
    };
  }
  if (!(error instanceof ProviderHttpError)) {
    // fetch failed, connection reset or refused, socket hang up: the call never got an answer.
    const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
    return {
      kind: 'transient',
      code: 'NETWORK',
      httpStatus: null,
      retryAfterMs: undefined,
      message: scrub(
        `network error${cause ? ` (${cause})` : ''}: ${(error as Error)?.message ?? String(error)}`,
      ),
      // A connection that never opened carried no request; one lost later may have.
      answerLost: !(cause && NEVER_CONNECTED.has(cause)),
    };
  }
  const body = (typeof error.body === 'object' ? error.body : {}) as GoogleError;
  const details = body.error?.details ?? [];
  const reason = details.find((d) => String(d['@type']).endsWith('google.rpc.ErrorInfo'))?.reason as
    | string
    | undefined;
  // A non-JSON body (a proxy's HTML 502) has no google.rpc status; the SDK fills in the status text.
  const rpcStatus = body.error?.status;
  const status = rpcStatus && /^[A-Z_]+$/.test(rpcStatus) ? rpcStatus : `HTTP_${error.status}`;
  const message = scrub(body.error?.message ?? (typeof error.body === 'string' ? error.body : error.message));
  const retryDelay = details.find((d) => String(d['@type']).endsWith('google.rpc.RetryInfo'))?.retryDelay as
    | string
    | undefined;
  const retryAfterMs = parseDuration(retryDelay) ?? error.retryAfterMs;
  const base = { httpStatus: error.status, retryAfterMs, message, answerLost: false };
  if (error.status === 400 && reason === 'API_KEY_INVALID')
    return { ...base, kind: 'key_rejected', code: reason };
  if (error.status === 403) return { ...base, kind: 'key_rejected', code: reason ?? status };
  if (error.status === 429) {
    const quotaIds = details
      .filter((d) => String(d['@type']).endsWith('google.rpc.QuotaFailure'))
      .flatMap((d) => (d.violations as Array<{ quotaId?: string }> | undefined) ?? [])
      .map((v) => v.quotaId ?? '');
    const daily = quotaIds.some((id) => /PerDay|Daily/i.test(id));
    return {
      ...base,
      kind: daily ? 'key_quota_exhausted' : 'rate_limited',
      code: daily ? 'DAILY_QUOTA_EXHAUSTED' : status,
    };
  }
  if ([408, 500, 502, 503, 504].includes(error.status)) return { ...base, kind: 'transient', code: status };
  return { ...base, kind: 'rejected', code: reason ?? status };
}

/** Failures to open a connection at all (DNS, refused, unreachable, TLS): no request left this process. */
const NEVER_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** google.protobuf.Duration as JSON: "59s", "1.5s". */
function parseDuration(value: string | undefined): number | undefined {
  const m = value ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}
