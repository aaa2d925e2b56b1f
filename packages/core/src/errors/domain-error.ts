/**
 * Every failure the domain can explain, with a stable code. No HTTP here: the server maps
 * codes to statuses in one table.
 */
export const DOMAIN_ERROR_CODES = [
  'NO_ACTIVE_TOKEN',
  'TOKEN_EXPIRED',
  'TOKEN_LIMIT_EXCEEDED',
  'TOKEN_DISABLED',
  'TOKEN_INVALID',
  /** Quota exists but in-flight requests hold it, or the provider's daily quota is spent: retry later. */
  'TOKEN_BUSY',
  'TOKEN_NOT_FOUND',
  'DUPLICATE_KEY',
  'INVALID_INPUT',
  'KEY_DECRYPT_FAILED',
  'MASTER_KEY_REQUIRED',
  // Uploads: checked before any key is touched, never retried, never charged.
  'FILE_EMPTY',
  'UNSUPPORTED_FILE_TYPE',
  'FILE_TOO_LARGE',
  'INVALID_FILE',
  // The provider call.
  'INVALID_MODEL_OUTPUT',
  'CONTENT_BLOCKED',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_TIMEOUT',
  'PROVIDER_REJECTED',
  /** Too little of the deadline left to call the provider (spent on the database, the upload, earlier attempts): never charged. */
  'DEADLINE_BEFORE_DISPATCH',
  'IDEMPOTENCY_CONFLICT',
  /** A webhook URL that is not http(s) or reaches a loopback, private or link-local address (SSRF). */
  'ALERT_URL_REFUSED',
  'ALERT_SUBSCRIPTION_NOT_FOUND',
  /** A key the provider refused (invalid, revoked, no permission) when it was added or rotated in. */
  'KEY_REJECTED_BY_PROVIDER',
  /** The provider gave no verdict on a key being added or rotated in (network, timeout, outage). */
  'PROVIDER_UNREACHABLE',
  /** Keys are in plaintext for the old service (a prepared rollback): no key may be sealed or added until it is undone. */
  'ROLLBACK_PREPARED',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** Safe, structured facts for callers (never a secret). */
  readonly details: Readonly<Record<string, unknown>>;
  /** For TOKEN_BUSY: when trying again makes sense. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: DomainErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isDomainError(error: unknown, code?: DomainErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
