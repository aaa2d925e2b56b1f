import type { CacheStats } from '@invoicegw/core';
import {
  type ApplicationLog,
  type CompanyUsage,
  type FailedRequest,
  LOG_LEVELS,
  type RecentError,
  type RetryStat,
  TOKEN_HEALTH,
  type TokenStatusEntry,
  type UsageTotal,
} from '@invoicegw/db';
import { z } from 'zod';
import type { invalidateCache, readCacheStatus } from '../../../monitoring/cache-status.ts';
import type { Health } from '../../../monitoring/health.ts';
import { CountOut, Instant, RowIdOut, shapeOf } from '../../../openapi/output-shape.ts';

// Output pieces of the monitoring.* procedures: the checklist's views and the service's own figures.

export const HealthSchema = shapeOf<Health>()(
  z
    .object({
      status: z.enum(['active', 'degraded']),
      version: z.string(),
      timestamp: Instant,
      database: z.object({ kind: z.string(), reachable: z.boolean() }),
    })
    .meta({ id: 'Health' }),
);

export const TokenStatusEntrySchema = shapeOf<TokenStatusEntry>()(
  z
    .object({
      tokenId: RowIdOut,
      companyId: z.string(),
      companyName: z.string().nullable(),
      provider: z.string(),
      keyHint: z.string().nullable(),
      status: z.string(),
      totalTokenLimit: CountOut,
      totalUsedTokens: CountOut,
      reservedTokens: CountOut,
      totalRemainingTokens: CountOut,
      availableTokens: CountOut,
      threshold: CountOut,
      requestCount: CountOut,
      expiresAt: Instant.nullable(),
      lastUsedAt: Instant.nullable(),
      createdAt: Instant,
      lastUpdated: Instant.nullable(),
      health: z.enum(TOKEN_HEALTH),
    })
    .meta({ id: 'TokenStatus', description: 'One row of vw_TokenStatus' }),
);

export const CompanyUsageSchema = shapeOf<CompanyUsage>()(
  z
    .object({
      companyId: z.string(),
      companyName: z.string().nullable(),
      branches: CountOut,
      users: CountOut,
      totalRequests: CountOut,
      totalTokensUsed: CountOut,
      avgTokensPerRequest: z.number(),
      firstUsed: Instant.nullable(),
      lastUsed: Instant.nullable(),
      daysActive: CountOut,
    })
    .meta({ id: 'CompanyUsage', description: 'One row of vw_UsageSummary' }),
);

export const UsageTotalSchema = shapeOf<UsageTotal>()(
  z
    .object({
      key: z.string().describe('The company id, token id, branch, user or UTC day (YYYY-MM-DD) of the row'),
      requests: CountOut,
      inputTokens: CountOut,
      outputTokens: CountOut,
      thoughtsTokens: CountOut,
      totalTokens: CountOut,
      presumedTokens: CountOut.describe('The part of totalTokens charged as presumed usage'),
      firstAt: Instant.nullable(),
      lastAt: Instant.nullable(),
    })
    .meta({ id: 'UsageTotal' }),
);

export const RecentErrorSchema = shapeOf<RecentError>()(
  z
    .object({
      logId: RowIdOut,
      timestamp: Instant,
      level: z.string(),
      logger: z.string().nullable(),
      message: z.string().nullable(),
      exception: z.string().nullable(),
      requestId: z.string().nullable(),
      companyId: z.string().nullable(),
      minutesAgo: z.number(),
    })
    .meta({ id: 'RecentError', description: 'One row of vw_RecentErrors' }),
);

const RetryStatSchema = shapeOf<RetryStat>()(
  z.object({
    errorCode: z.string(),
    httpStatus: z.number().int().nullable(),
    attempts: CountOut,
    retryable: CountOut,
    final: CountOut,
  }),
);

const FailedRequestSchema = shapeOf<FailedRequest>()(
  z.object({
    requestId: z.string(),
    companyId: z.string().nullable(),
    lastTokenId: RowIdOut.nullable(),
    attempts: CountOut,
    keysTried: CountOut,
    lastErrorCode: z.string().nullable(),
    lastHttpStatus: z.number().int().nullable(),
    lastErrorMessage: z.string().nullable(),
    totalDelayMs: z.number(),
    firstAttemptAt: Instant,
    lastAttemptAt: Instant,
  }),
);

export const RetryStatsSchema = z
  .object({
    byError: z
      .array(RetryStatSchema)
      .describe('Failed attempts by error code and status, most frequent first'),
    failedRequests: z.array(FailedRequestSchema).describe('vw_FailedRetries: the requests that gave up'),
  })
  .meta({ id: 'RetryStats' });

const CacheStatsSchema = shapeOf<CacheStats>()(
  z.object({
    entries: CountOut,
    maxEntries: CountOut,
    ttlMs: z.number(),
    hits: CountOut,
    misses: CountOut,
    evictions: CountOut,
    invalidations: CountOut,
    oldestAgeMs: z.number().nullable(),
    store: z.enum(['memory', 'database']).optional(),
    tooLarge: CountOut.optional().describe('Results not stored because their JSON was over the size cap'),
    storedBytes: CountOut.optional().describe('Σ size of the stored results, in bytes (database only)'),
  }),
);

export const CacheStatusSchema = shapeOf<Awaited<ReturnType<typeof readCacheStatus>>>()(
  z
    .object({
      cache: z
        .object({
          status: z.string().describe('empty or valid'),
          item_count: CountOut,
          age_seconds: z.number(),
          load_count: CountOut,
          ttl: z.number(),
          expires_in: z.number().optional(),
        })
        .describe("The old service's shape"),
      message: z.string(),
      stats: CacheStatsSchema,
    })
    .meta({ id: 'CacheStatus' }),
);

export const CacheInvalidatedSchema = shapeOf<Awaited<ReturnType<typeof invalidateCache>>>()(
  z.object({
    status: z.string(),
    message: z.string(),
    removed: CountOut.describe('Entries removed'),
  }),
);

export const ApplicationLogSchema = shapeOf<ApplicationLog>()(
  z
    .object({
      logId: RowIdOut,
      timestamp: Instant,
      level: z
        .string()
        .nullable()
        .describe(`One of ${LOG_LEVELS.join(', ')}`),
      logger: z.string().nullable(),
      message: z.string().nullable(),
      exception: z.string().nullable(),
      module: z.string().nullable(),
      functionName: z.string().nullable(),
      lineNumber: z.number().int().nullable(),
      requestId: z.string().nullable(),
      companyId: z.string().nullable(),
      context: z.unknown().describe('The record’s structured fields (JSON)'),
    })
    .meta({ id: 'ApplicationLog', description: 'One row of ApplicationLogs' }),
);
