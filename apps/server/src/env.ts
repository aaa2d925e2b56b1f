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
  companyConcurrency: number;
  logQueueMax: number;
  shutdownDeadlineMs: number;
  corsOrigins: string[];
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

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: int(0, 65535, 8000),
  DATABASE_URL: z.string().optional(),
  DB_SCHEMA: z.string().optional(),
  DB_TOKEN_SCHEMA: z.string().optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  TOKEN_ENCRYPTION_KEY: z.string().optional(),
  TOKEN_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  ADMIN_API_KEY: z.string().optional(),
  REQUIRE_CLIENT_KEYS: bool.default(false),
  RESERVATION_TTL_SECONDS: int(5, 86_400, 300),
  SWEEP_INTERVAL_SECONDS: int(1, 3600, 30),
  MAX_OUTPUT_TOKENS: int(1, 1_000_000, 8192),
  // On a key with little left the output cap is cut down to what it has, but never below this.
  MIN_OUTPUT_TOKENS: int(1, 1_000_000, 1024),
  GEMINI_MODEL: z.string().trim().min(1).default('gemini-2.5-flash'),
  GEMINI_BASE_URL: z.url().optional(),
  // Always sent and always held in full; dynamic thinking (-1) has no bound a hold could cover.
  GEMINI_THINKING_BUDGET: z.coerce
    .number()
    .int()
    .min(0, 'must be 0 or more (dynamic thinking, -1, has no bound a hold could cover)')
    .max(100_000)
    .optional(),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(100).default(20),
  MAX_PDF_PAGES: int(1, 1000, 50),
  GEMINI_MAX_RETRIES: int(0, 10, 3),
  GEMINI_INITIAL_DELAY_MS: int(0, 60_000, 1000),
  GEMINI_MAX_DELAY_MS: int(0, 300_000, 30_000),
  GEMINI_ATTEMPT_TIMEOUT_MS: int(100, 600_000, 60_000),
  REQUEST_DEADLINE_MS: int(100, 1_800_000, 120_000),
  MIN_DISPATCH_MS: int(0, 1_800_000, 2000),
  QUOTA_WAIT_MS: int(0, 1_800_000, 10_000),
  CACHE_TTL_SECONDS: int(0, 30 * 86_400, 3600),
  CACHE_MAX_ENTRIES: int(0, 1_000_000, 500),
  COMPANY_CONCURRENCY: int(1, 10_000, 8),
  LOG_QUEUE_MAX: int(100, 1_000_000, 10_000),
  SHUTDOWN_DEADLINE_SECONDS: int(1, 3600, 30),
  CORS_ALLOW_ORIGINS: z
    .string()
    .default('http://localhost:4100,http://127.0.0.1:4100,http://localhost:8080,http://127.0.0.1:8080'),
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
      companyConcurrency: e.COMPANY_CONCURRENCY,
      logQueueMax: e.LOG_QUEUE_MAX,
      shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_SECONDS * 1000,
      corsOrigins: e.CORS_ALLOW_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    };
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw new ConfigError(error.message);
    throw error;
  }
}
