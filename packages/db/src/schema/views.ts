import type { BigCount } from './column-types.ts';

type Instant = Date | string;

export const TOKEN_HEALTH = ['OK', 'WARNING', 'EXCEEDED', 'EXPIRED', 'DISABLED', 'INVALID'] as const;
export type TokenHealth = (typeof TOKEN_HEALTH)[number];

/** Per token: quota figures and one health word. Soft-removed tokens are left out. */
export interface TokenStatusView {
  TokenID: number;
  CompanyID: string;
  CompanyName: string | null;
  Provider: string;
  KeyHint: string | null;
  Status: string;
  TotalTokenLimit: number;
  TotalUsedTokens: number;
  ReservedTokens: number;
  TotalRemainingTokens: number;
  /** Remaining minus what in-flight requests hold. */
  AvailableTokens: number;
  Threshold: number;
  RequestCount: number;
  ExpiresAt: Instant | null;
  LastUsedAt: Instant | null;
  CreatedAt: Instant;
  LastUpdated: Instant | null;
  HealthStatus: TokenHealth;
}

/** Per company usage over all its keys. */
export interface UsageSummaryView {
  CompanyID: string;
  CompanyName: string | null;
  Branches: number;
  Users: number;
  TotalRequests: BigCount;
  TotalTokensUsed: BigCount;
  AvgTokensPerRequest: number;
  FirstUsed: Instant | null;
  LastUsed: Instant | null;
  DaysActive: number;
}

/** The latest 100 ERROR / CRITICAL application logs. */
export interface RecentErrorsView {
  LogID: number;
  Timestamp: Instant;
  LogLevel: string;
  Logger: string | null;
  Message: string | null;
  Exception: string | null;
  Module: string | null;
  FunctionName: string | null;
  LineNumber: number | null;
  RequestID: string | null;
  CompanyID: string | null;
  MinutesAgo: number;
}

/** One row per request that gave up after its retries. */
export interface FailedRetriesView {
  RequestID: string;
  CompanyID: string | null;
  LastTokenID: number | null;
  Attempts: number;
  KeysTried: number;
  LastErrorCode: string | null;
  LastHttpStatus: number | null;
  LastErrorMessage: string | null;
  TotalDelayMs: BigCount;
  FirstAttemptAt: Instant;
  LastAttemptAt: Instant;
}
