import {
  checkRetentionPolicy,
  DEFAULT_RETENTION,
  MIN_AUDIT_RETENTION_DAYS,
  type RetentionPolicy,
} from '@invoicegw/core';
import {
  type DatabaseConfig,
  DatabaseConfigError,
  parseDatabaseUrl,
  parseSchemaOptions,
  type SchemaOptions,
} from '@invoicegw/db';
import { z } from 'zod';

/** Everything the server reads from the environment, parsed once at startup and passed down. */
export interface ServerConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  database: DatabaseConfig;
  schemas: SchemaOptions;
  /** Where development files live (generated master key and admin key). */
  dataDir: string;
  /** Secrets: never log this object. */
  encryption: { key: string | undefined; previous: string | undefined };
  adminApiKey: string | undefined;
  requireClientKeys: boolean;
  ledger: {
    reservationTtlMs: number;
    sweepIntervalMs: number;
    maxOutputTokens: number;
    /** The least output cap sent on a key with little left (at most maxOutputTokens). */
    minOutputTokens: number;
  };
  gemini: { model: string; baseUrl: string | undefined; thinkingBudget: number | undefined };
  /** Probing new keys with a free provider call before they serve (tokens add/rotate, tokens verify). */
  keyVerification: { enabled: boolean; timeoutMs: number };
  extraction: {
    maxUploadBytes: number;
    maxPdfPages: number;
    maxRetries: number;
    initialDelayMs: number;
    maxDelayMs: number;
    attemptTimeoutMs: number;
    deadlineMs: number;
    minDispatchMs: number;
    /** How long a request waits, in all, for quota held by requests in flight or a company slot. */
    quotaWaitMs: number;
    cacheTtlMs: number;
    cacheMaxEntries: number;
  };
  /** Where uploads above the threshold wait on disk while they arrive (`undefined`: under the OS temp dir). */
  uploads: { spoolDir: string | undefined; spoolThresholdBytes: number };
  companyConcurrency: number;
  logQueueMax: number;
  shutdownDeadlineMs: number;
  corsOrigins: string[];
  /** Webhook alerts: how often the outbox is delivered, retries, timeouts, and what may be reached. */
  alerts: {
    dispatchIntervalMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    timeoutMs: number;
    expiryWarnDays: number;
    /** Hosts subscriptions may reach even when they resolve to private addresses. */
    allowPrivateHosts: string[];
  };
  /** Days each table keeps its rows (0: forever) and how often old rows are pruned. */
  retention: { policy: RetentionPolicy; intervalMs: number };
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .transform((v, ctx) => {
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off', ''].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false' });
    return z.NEVER;
  });
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every variable the server reads. Descriptions and defaults make README's table (scripts/env-table.ts). */
export const EnvSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe(
      '`production` requires `TOKEN_ENCRYPTION_KEY` and `ADMIN_API_KEY`; `development` and `test` generate both once under `DATA_DIR`.',
    ),
  HOST: z
    .string()
    .trim()
    .min(1)
    .default('127.0.0.1')
    .describe('The address to listen on; `0.0.0.0` for every interface (behind a proxy or in a container).'),
  PORT: int(0, 65535, 8000).describe(
    'The port to listen on; `0` picks a free one (the start message names it).',
  ),
  DATABASE_URL: z
    .string()
    .optional()
    .describe(
      'Where the data lives. Unset or blank: the embedded SQLite file `./data/ocr.sqlite`. Forms: see `DATABASE_URL` below.',
    ),
  DB_SCHEMA: z.string().optional().describe('SQL Server schema of every object. Unset: `dbo`.'),
  DB_TOKEN_SCHEMA: z
    .string()
    .optional()
    .describe(
      "SQL Server schema of TokenMaster, TokenUsageSummary, TokenUsageLogs and TokenReservations. Unset: `DB_SCHEMA`, or `docUpload` when the old service's tables are found there.",
    ),
  DATA_DIR: z
    .string()
    .trim()
    .min(1)
    .default('./data')
    .describe('Development files: the generated `master.key` and `admin.key` (mode 0600).'),
  TOKEN_ENCRYPTION_KEY: z
    .string()
    .optional()
    .describe(
      'The master key that encrypts stored Gemini keys: 32 random bytes as 64 hex characters or base64 (`openssl rand -hex 32`). Required in production; unset in development: generated once into `DATA_DIR/master.key`.',
    ),
  TOKEN_ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .optional()
    .describe(
      'Older master keys, comma-separated, same format: still read after a master key rotation until every key is encrypted with the current one.',
    ),
  ADMIN_API_KEY: z
    .string()
    .optional()
    .describe(
      'The admin key (`Authorization: Bearer …`) for key, monitoring and client-key operations, `/metrics` and the dashboard. Required in production; unset in development: generated once into `DATA_DIR/admin.key`.',
    ),
  REQUIRE_CLIENT_KEYS: bool
    .default(false)
    .describe(
      "`true`: an extraction needs a client key issued for its company (`clients.create`), so no caller can spend another company's quota.",
    ),
  RESERVATION_TTL_SECONDS: int(5, 86_400, 300).describe(
    'How long a quota hold lives before the sweeper may end it; must exceed `REQUEST_DEADLINE_MS` and `GEMINI_ATTEMPT_TIMEOUT_MS` by more than a second.',
  ),
  SWEEP_INTERVAL_SECONDS: int(1, 3600, 30).describe(
    'How often expired holds are ended and expired cache and idempotency rows are removed.',
  ),
  MAX_OUTPUT_TOKENS: int(1, 1_000_000, 8192).describe(
    'The output cap sent to Gemini with every call, and held in full on the key beforehand.',
  ),
  // On a key with little left the output cap is cut down to what it has, but never below this.
  MIN_OUTPUT_TOKENS: int(1, 1_000_000, 1024).describe(
    'The least output cap sent on a key with little left (never above `MAX_OUTPUT_TOKENS`).',
  ),
  GEMINI_MODEL: z
    .string()
    .trim()
    .min(1)
    .default('gemini-2.5-flash')
    .describe('The Gemini model every extraction calls.'),
  GEMINI_BASE_URL: z
    .url()
    .optional()
    .describe(
      "Where Gemini is called. Unset: Google's API. The emulator's URL (`pnpm emulator`: `http://127.0.0.1:8090`) to run offline.",
    ),
  // Always sent and always held in full; dynamic thinking (-1) has no bound a hold could cover.
  VERIFY_KEYS_ON_ADD: bool
    .default(true)
    .describe(
      '`true`: `tokens add` and `tokens rotate` first ask Gemini about the new key (a free `countTokens` call) and refuse one it rejects (422 `KEY_REJECTED_BY_PROVIDER`) or cannot be asked about (503 `PROVIDER_UNREACHABLE`) unless forced; `false`: keys are admitted unchecked and `tokens verify` is off.',
    ),
  KEY_VERIFY_TIMEOUT_MS: int(100, 120_000, 10_000).describe(
    'How long one key check may take before the provider counts as unreachable.',
  ),
  GEMINI_THINKING_BUDGET: z.coerce
    .number()
    .int()
    .min(0, 'must be 0 or more (dynamic thinking, -1, has no bound a hold could cover)')
    .max(100_000)
    .optional()
    .describe(
      'Thinking tokens allowed per call, always sent and held in full. Unset: 0. Dynamic thinking (-1) is refused: nothing bounds it.',
    ),
  MAX_UPLOAD_MB: z.coerce
    .number()
    .positive()
    .max(100)
    .default(20)
    .describe('The largest file accepted (413 `FILE_TOO_LARGE` above it); upload bodies may be 1 MB more.'),
  MAX_PDF_PAGES: int(1, 1000, 50).describe('The most pages a PDF may have.'),
  UPLOAD_SPOOL_DIR: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe(
      "A private directory (mode 0700, this user's) where uploads above `UPLOAD_SPOOL_THRESHOLD_KB` wait on disk while they arrive; each is removed when its request ends, and what a crashed process left is removed at startup. Unset: `invoicegw-uploads-<uid>` under the OS temp directory.",
    ),
  UPLOAD_SPOOL_THRESHOLD_KB: int(0, 1024 * 1024, 1024).describe(
    'Uploads larger than this go to `UPLOAD_SPOOL_DIR` as they arrive instead of memory; 0 spools every file.',
  ),
  GEMINI_MAX_RETRIES: int(0, 10, 3).describe(
    'Retries after the first attempt, for transient failures and per-minute rate limits.',
  ),
  GEMINI_INITIAL_DELAY_MS: int(0, 60_000, 1000).describe(
    'The first retry delay, doubled on each retry (plus up to 25 % jitter).',
  ),
  GEMINI_MAX_DELAY_MS: int(0, 300_000, 30_000).describe('The longest delay before one retry.'),
  GEMINI_ATTEMPT_TIMEOUT_MS: int(100, 600_000, 60_000).describe('How long one provider call may take.'),
  REQUEST_DEADLINE_MS: int(100, 1_800_000, 120_000).describe(
    'How long one extraction may take in all, retries and waits included, from its arrival.',
  ),
  MIN_DISPATCH_MS: int(0, 1_800_000, 2000).describe(
    'No provider call starts with less of the deadline left (503 `DEADLINE_BEFORE_DISPATCH`); shorter than `REQUEST_DEADLINE_MS`.',
  ),
  QUOTA_WAIT_MS: int(0, 1_800_000, 10_000).describe(
    'How long a request may wait in all for quota held by requests in flight or for a company slot; 0: no wait.',
  ),
  CACHE_TTL_SECONDS: int(0, 30 * 86_400, 3600).describe(
    'How long a result is served again for the same file and company; 0 turns the cache off.',
  ),
  CACHE_MAX_ENTRIES: int(0, 1_000_000, 500).describe('The most results the cache keeps; 0 turns it off.'),
  COMPANY_CONCURRENCY: int(1, 10_000, 8).describe(
    'Extractions in flight at once per company, per replica; more wait in a fair line (`QUOTA_WAIT_MS`).',
  ),
  LOG_QUEUE_MAX: int(100, 1_000_000, 10_000).describe(
    'Log records waiting for `ApplicationLogs` (while the database is slow or down); beyond it they are dropped and counted.',
  ),
  SHUTDOWN_DEADLINE_SECONDS: int(1, 3600, 30).describe(
    'How long `SIGTERM`/`SIGINT` waits for requests in flight.',
  ),
  RETENTION_APPLICATION_LOGS_DAYS: int(0, 36_500, DEFAULT_RETENTION.ApplicationLogs).describe(
    'Days `ApplicationLogs` rows are kept; older ones are pruned in small batches. 0: kept forever.',
  ),
  RETENTION_RETRY_ATTEMPTS_DAYS: int(0, 36_500, DEFAULT_RETENTION.RetryAttempts).describe(
    'Days `RetryAttempts` rows are kept. 0: kept forever.',
  ),
  RETENTION_USAGE_LOGS_DAYS: int(0, 36_500, DEFAULT_RETENTION.TokenUsageLogs).describe(
    'Days `TokenUsageLogs` rows are kept; older ones are folded per key, branch, user and day into `TokenUsageArchive`, so `vw_UsageSummary` and exports keep their totals. 0: kept forever.',
  ),
  RETENTION_AUDIT_DAYS: int(0, 36_500, DEFAULT_RETENTION.AuditLog).describe(
    `Days \`AuditLog\` rows are kept: 0 (forever) or at least ${MIN_AUDIT_RETENTION_DAYS}.`,
  ),
  RETENTION_ALERT_DELIVERIES_DAYS: int(0, 36_500, DEFAULT_RETENTION.AlertDeliveries).describe(
    'Days the webhook delivery log (`AlertDeliveries`) is kept. 0: kept forever.',
  ),
  RETENTION_INTERVAL_MINUTES: int(1, 10_080, 60).describe(
    'How often each replica prunes rows past their retention (`ocr-ops db prune` runs a pass at once).',
  ),
  ALERT_DISPATCH_INTERVAL_MS: int(50, 3_600_000, 5000).describe(
    'How often each instance delivers due webhook alerts from the outbox.',
  ),
  ALERT_MAX_ATTEMPTS: int(1, 100, 8).describe(
    'Delivery attempts per alert before it is given up (`dead` in the delivery log).',
  ),
  ALERT_RETRY_BASE_MS: int(10, 86_400_000, 30_000).describe(
    "The delay before an alert's first retry; each next one doubles, with jitter, up to an hour.",
  ),
  ALERT_TIMEOUT_MS: int(100, 60_000, 5000).describe(
    'How long one webhook delivery may take (redirects are never followed).',
  ),
  ALERT_EXPIRY_WARN_DAYS: int(0, 365, 7).describe(
    "A `key_expiring` alert goes out this many days before a key's expiry date; 0 turns it off.",
  ),
  ALERT_ALLOW_PRIVATE_HOSTS: z
    .string()
    .default('')
    .describe(
      'Webhook hosts (names or IPs, comma-separated) that may resolve to loopback or private addresses. Unset: such URLs are refused unless added with `allowPrivate`.',
    ),
  CORS_ALLOW_ORIGINS: z
    .string()
    .default('http://localhost:4100,http://127.0.0.1:4100,http://localhost:8080,http://127.0.0.1:8080')
    .describe('Browser origins allowed to call the API, comma-separated.'),
});

/** A configuration problem; the message names the variable, never a secret's value. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.RESERVATION_TTL_SECONDS * 1000 <= e.REQUEST_DEADLINE_MS + 1000) {
    // A hold must outlive the request it covers, or the sweeper frees quota still in use.
    throw new ConfigError(
      `RESERVATION_TTL_SECONDS (${e.RESERVATION_TTL_SECONDS}) must be longer than REQUEST_DEADLINE_MS (${e.REQUEST_DEADLINE_MS} ms) plus a second`,
    );
  }
  if (e.RESERVATION_TTL_SECONDS * 1000 <= e.GEMINI_ATTEMPT_TIMEOUT_MS + 1000) {
    // One attempt alone must not outlive its hold either, whatever the deadline says.
    throw new ConfigError(
      `RESERVATION_TTL_SECONDS (${e.RESERVATION_TTL_SECONDS}) must be longer than GEMINI_ATTEMPT_TIMEOUT_MS (${e.GEMINI_ATTEMPT_TIMEOUT_MS} ms) plus a second`,
    );
  }
  if (e.MIN_DISPATCH_MS >= e.REQUEST_DEADLINE_MS) {
    // No request could ever leave enough of its deadline to call the provider.
    throw new ConfigError(
      `MIN_DISPATCH_MS (${e.MIN_DISPATCH_MS} ms) must be shorter than REQUEST_DEADLINE_MS (${e.REQUEST_DEADLINE_MS} ms)`,
    );
  }
  try {
    return {
      nodeEnv: e.NODE_ENV,
      host: e.HOST,
      port: e.PORT,
      database: parseDatabaseUrl(e.DATABASE_URL),
      schemas: parseSchemaOptions({ schema: e.DB_SCHEMA, tokenSchema: e.DB_TOKEN_SCHEMA }),
      dataDir: e.DATA_DIR,
      encryption: { key: e.TOKEN_ENCRYPTION_KEY, previous: e.TOKEN_ENCRYPTION_KEY_PREVIOUS },
      adminApiKey: e.ADMIN_API_KEY?.trim() || undefined,
      requireClientKeys: e.REQUIRE_CLIENT_KEYS,
      ledger: {
        reservationTtlMs: e.RESERVATION_TTL_SECONDS * 1000,
        sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
        maxOutputTokens: e.MAX_OUTPUT_TOKENS,
        minOutputTokens: Math.min(e.MIN_OUTPUT_TOKENS, e.MAX_OUTPUT_TOKENS),
      },
      gemini: { model: e.GEMINI_MODEL, baseUrl: e.GEMINI_BASE_URL, thinkingBudget: e.GEMINI_THINKING_BUDGET },
      keyVerification: { enabled: e.VERIFY_KEYS_ON_ADD, timeoutMs: e.KEY_VERIFY_TIMEOUT_MS },
      extraction: {
        maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
        maxPdfPages: e.MAX_PDF_PAGES,
        maxRetries: e.GEMINI_MAX_RETRIES,
        initialDelayMs: e.GEMINI_INITIAL_DELAY_MS,
        maxDelayMs: e.GEMINI_MAX_DELAY_MS,
        attemptTimeoutMs: e.GEMINI_ATTEMPT_TIMEOUT_MS,
        deadlineMs: e.REQUEST_DEADLINE_MS,
        minDispatchMs: e.MIN_DISPATCH_MS,
        quotaWaitMs: e.QUOTA_WAIT_MS,
        cacheTtlMs: e.CACHE_TTL_SECONDS * 1000,
        cacheMaxEntries: e.CACHE_MAX_ENTRIES,
      },
      uploads: { spoolDir: e.UPLOAD_SPOOL_DIR, spoolThresholdBytes: e.UPLOAD_SPOOL_THRESHOLD_KB * 1024 },
      companyConcurrency: e.COMPANY_CONCURRENCY,
      logQueueMax: e.LOG_QUEUE_MAX,
      shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_SECONDS * 1000,
      alerts: {
        dispatchIntervalMs: e.ALERT_DISPATCH_INTERVAL_MS,
        maxAttempts: e.ALERT_MAX_ATTEMPTS,
        retryBaseMs: e.ALERT_RETRY_BASE_MS,
        retryMaxMs: Math.max(e.ALERT_RETRY_BASE_MS, 3_600_000),
        timeoutMs: e.ALERT_TIMEOUT_MS,
        expiryWarnDays: e.ALERT_EXPIRY_WARN_DAYS,
        allowPrivateHosts: e.ALERT_ALLOW_PRIVATE_HOSTS.split(',')
          .map((h) => h.trim())
          .filter(Boolean),
      },
      corsOrigins: e.CORS_ALLOW_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      retention: {
        policy: retentionPolicy(e),
        intervalMs: e.RETENTION_INTERVAL_MINUTES * 60_000,
      },
    };
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function retentionPolicy(e: z.infer<typeof EnvSchema>): RetentionPolicy {
  try {
    return checkRetentionPolicy({
      ApplicationLogs: e.RETENTION_APPLICATION_LOGS_DAYS,
      RetryAttempts: e.RETENTION_RETRY_ATTEMPTS_DAYS,
      TokenUsageLogs: e.RETENTION_USAGE_LOGS_DAYS,
      AuditLog: e.RETENTION_AUDIT_DAYS,
      AlertDeliveries: e.RETENTION_ALERT_DELIVERIES_DAYS,
    });
  } catch (error) {
    throw new ConfigError(`RETENTION_AUDIT_DAYS: ${(error as Error).message}`);
  }
}
