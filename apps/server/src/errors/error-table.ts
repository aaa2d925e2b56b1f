import { type DomainErrorCode, isDomainError } from '@invoicegw/core';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** Failures the server itself raises (auth, guard rails, infrastructure). */
export type ServerErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'COMPANY_BUSY'
  | 'URL_MODE_UNSUPPORTED'
  | 'DATABASE_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

export type AppErrorCode = DomainErrorCode | ServerErrorCode;

/**
 * The one place codes become HTTP statuses and tRPC codes, for tRPC, REST and the legacy
 * routes alike. Quota spent is 402 (retrying will not help until an operator acts); quota held
 * by requests in flight is 429 with Retry-After.
 */
export const ERROR_TABLE = {
  NO_ACTIVE_TOKEN: { status: 403, trpc: 'FORBIDDEN' },
  TOKEN_EXPIRED: { status: 403, trpc: 'FORBIDDEN' },
  TOKEN_DISABLED: { status: 403, trpc: 'FORBIDDEN' },
  TOKEN_INVALID: { status: 403, trpc: 'FORBIDDEN' },
  TOKEN_LIMIT_EXCEEDED: { status: 402, trpc: 'PAYMENT_REQUIRED' },
  TOKEN_BUSY: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  TOKEN_NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  DUPLICATE_KEY: { status: 409, trpc: 'CONFLICT' },
  INVALID_INPUT: { status: 400, trpc: 'BAD_REQUEST' },
  KEY_DECRYPT_FAILED: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  MASTER_KEY_REQUIRED: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  FILE_EMPTY: { status: 400, trpc: 'BAD_REQUEST' },
  UNSUPPORTED_FILE_TYPE: { status: 415, trpc: 'UNSUPPORTED_MEDIA_TYPE' },
  FILE_TOO_LARGE: { status: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  INVALID_FILE: { status: 422, trpc: 'UNPROCESSABLE_CONTENT' },
  INVALID_MODEL_OUTPUT: { status: 502, trpc: 'BAD_GATEWAY' },
  CONTENT_BLOCKED: { status: 422, trpc: 'UNPROCESSABLE_CONTENT' },
  PROVIDER_RATE_LIMITED: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  PROVIDER_UNAVAILABLE: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
  PROVIDER_TIMEOUT: { status: 504, trpc: 'GATEWAY_TIMEOUT' },
  PROVIDER_REJECTED: { status: 502, trpc: 'BAD_GATEWAY' },
  // The gateway, not the provider, ran out of time (a slow database or upload): 503 + Retry-After, not 504.
  DEADLINE_BEFORE_DISPATCH: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
  IDEMPOTENCY_CONFLICT: { status: 409, trpc: 'CONFLICT' },
  ALERT_URL_REFUSED: { status: 400, trpc: 'BAD_REQUEST' },
  ALERT_SUBSCRIPTION_NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  // The key is what is wrong, not the request's form: 422; no verdict from the provider: 503.
  KEY_REJECTED_BY_PROVIDER: { status: 422, trpc: 'UNPROCESSABLE_CONTENT' },
  ROLLBACK_PREPARED: { status: 409, trpc: 'CONFLICT' },
  PROVIDER_UNREACHABLE: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
  UNAUTHORIZED: { status: 401, trpc: 'UNAUTHORIZED' },
  FORBIDDEN: { status: 403, trpc: 'FORBIDDEN' },
  VALIDATION_ERROR: { status: 400, trpc: 'BAD_REQUEST' },
  NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  PAYLOAD_TOO_LARGE: { status: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  COMPANY_BUSY: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  URL_MODE_UNSUPPORTED: { status: 400, trpc: 'BAD_REQUEST' },
  DATABASE_UNAVAILABLE: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
  SHUTTING_DOWN: { status: 503, trpc: 'SERVICE_UNAVAILABLE' },
  INTERNAL: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
} as const satisfies Record<AppErrorCode, { status: number; trpc: TRPC_ERROR_CODE_KEY }>;

/** A failure raised by the server itself, in the same shape as a domain error. */
export class ServerError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    readonly options: { retryAfterSeconds?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export interface AppError {
  code: AppErrorCode;
  message: string;
  status: number;
  trpcCode: TRPC_ERROR_CODE_KEY;
  retryAfterSeconds: number | undefined;
  details: Record<string, unknown>;
}

/** Database errors of either engine, or a pool that is gone: the service is up, its store is not. */
function isDatabaseFailure(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  return (
    (typeof e?.code === 'string' &&
      (e.code.startsWith('SQLITE_') || ['ESOCKET', 'ETIMEOUT', 'ECONNREFUSED', 'ELOGIN'].includes(e.code))) ||
    e?.name === 'ConnectionError' ||
    e?.name === 'SqliteError' ||
    (typeof e?.message === 'string' &&
      /driver has already been destroyed|database connection is not open/i.test(e.message))
  );
}

/** The database's own words for a failure, for the log only; undefined when it is not one. */
export function databaseFailureText(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  const inner = isDatabaseFailure(cause) ? cause : error;
  return isDatabaseFailure(inner) ? String((inner as Error).message) : undefined;
}

/** Any thrown value → what callers see. Unknown errors never show their text. */
export function toAppError(error: unknown): AppError {
  const cause = (error as { cause?: unknown })?.cause;
  const inner =
    isDomainError(cause) || cause instanceof ServerError || isDatabaseFailure(cause) ? cause : error;
  const build = (
    code: AppErrorCode,
    message: string,
    retryAfterSeconds?: number,
    details: Record<string, unknown> = {},
  ): AppError => ({
    code,
    message,
    status: ERROR_TABLE[code].status,
    trpcCode: ERROR_TABLE[code].trpc,
    retryAfterSeconds,
    details,
  });
  if (isDomainError(inner))
    return build(inner.code, inner.message, inner.retryAfterSeconds, { ...inner.details });
  if (inner instanceof ServerError)
    return build(inner.code, inner.message, inner.options.retryAfterSeconds, inner.options.details);
  if (isDatabaseFailure(inner)) {
    const cause = (inner as { code?: unknown }).code;
    // The engine's code (SQLITE_READONLY, SQLITE_FILE_LOST, ETIMEOUT…) tells an operator what
    // happened; its text stays in the log (it can name hosts and paths).
    return typeof cause === 'string'
      ? build('DATABASE_UNAVAILABLE', `Database unavailable (${cause}): please retry shortly`, 5, { cause })
      : build('DATABASE_UNAVAILABLE', 'Database unavailable: please retry shortly', 5);
  }
  return build('INTERNAL', 'Internal error');
}
