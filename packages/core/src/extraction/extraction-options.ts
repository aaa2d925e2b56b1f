export interface ExtractionOptions {
  maxUploadBytes: number;
  maxPdfPages: number;
  /** Retries after the first attempt for transient failures and per-minute rate limits. */
  maxRetries: number;
  initialDelayMs: number;
  backoffMultiplier: number;
  maxDelayMs: number;
  /** One provider call may take this long. */
  attemptTimeoutMs: number;
  /** The whole request, retries and waits included, may take this long. */
  deadlineMs: number;
  /** No provider call (first, retry or failover) starts with less of the deadline left than this. */
  minDispatchMs: number;
  /**
   * How long a request may wait in line, in all, for quota held by requests in flight to settle
   * (never past its deadline less minDispatchMs) before it is refused with TOKEN_BUSY. 0: no wait.
   */
  quotaWaitMs: number;
  /** How many times a request may move to another key of its company. */
  maxKeyFailovers: number;
  breakerConsecutiveFailures: number;
  breakerHalfOpenAfterMs: number;
  cacheTtlMs: number;
  cacheMaxEntries: number;
  idempotencyTtlMs: number;
}

/** The old service's retry figures (3 retries, 1 s, ×2, 30 s cap), the checklist's limits. */
export const DEFAULT_EXTRACTION_OPTIONS: ExtractionOptions = {
  maxUploadBytes: 20 * 1024 * 1024,
  maxPdfPages: 50,
  maxRetries: 3,
  initialDelayMs: 1000,
  backoffMultiplier: 2,
  maxDelayMs: 30_000,
  attemptTimeoutMs: 60_000,
  deadlineMs: 120_000,
  minDispatchMs: 2000,
  quotaWaitMs: 10_000,
  maxKeyFailovers: 3,
  breakerConsecutiveFailures: 5,
  breakerHalfOpenAfterMs: 30_000,
  cacheTtlMs: 3_600_000,
  cacheMaxEntries: 500,
  idempotencyTtlMs: 24 * 3_600_000,
};

/** Exponential backoff with up to 25 % jitter, never above the cap. */
export function backoffDelay(
  options: ExtractionOptions,
  retryIndex: number,
  random: () => number = Math.random,
): number {
  const base = options.initialDelayMs * options.backoffMultiplier ** retryIndex;
  return Math.round(Math.min(options.maxDelayMs, base * (1 + 0.25 * random())));
}

/** Gemini's daily quotas reset at midnight Pacific time. */
export function nextPacificMidnight(now: Date): Date {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const elapsed = (get('hour') * 3600 + get('minute') * 60 + get('second')) * 1000;
  return new Date(now.getTime() - elapsed - now.getMilliseconds() + 86_400_000);
}
