import type { DbHandle } from '../db-handle.ts';
import type { TokenHealth } from '../schema/views.ts';
import { toIso, toNum } from './row-values.ts';

// Typed readers for the checklist's monitoring views. The views themselves are the contract
// for operators who query SQL directly; the service reads them the same way.

export interface TokenStatusEntry {
  tokenId: number;
  companyId: string;
  companyName: string | null;
  provider: string;
  keyHint: string | null;
  status: string;
  totalTokenLimit: number;
  totalUsedTokens: number;
  reservedTokens: number;
  totalRemainingTokens: number;
  availableTokens: number;
  threshold: number;
  requestCount: number;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  lastUpdated: string | null;
  health: TokenHealth;
}

export async function readTokenStatus(handle: DbHandle, companyId?: string): Promise<TokenStatusEntry[]> {
  let query = handle.db.selectFrom('vw_TokenStatus').selectAll();
  if (companyId !== undefined) query = query.where('CompanyID', '=', companyId);
  const rows = await query.orderBy('CompanyID').orderBy('TokenID').execute();
  return rows.map((r) => ({
    tokenId: r.TokenID,
    companyId: r.CompanyID,
    companyName: r.CompanyName,
    provider: r.Provider,
    keyHint: r.KeyHint,
    status: r.Status,
    totalTokenLimit: toNum(r.TotalTokenLimit),
    totalUsedTokens: toNum(r.TotalUsedTokens),
    reservedTokens: toNum(r.ReservedTokens),
    totalRemainingTokens: toNum(r.TotalRemainingTokens),
    availableTokens: toNum(r.AvailableTokens),
    threshold: toNum(r.Threshold),
    requestCount: toNum(r.RequestCount),
    expiresAt: toIso(r.ExpiresAt),
    lastUsedAt: toIso(r.LastUsedAt),
    createdAt: toIso(r.CreatedAt),
    lastUpdated: toIso(r.LastUpdated),
    health: r.HealthStatus,
  }));
}

export interface CompanyUsage {
  companyId: string;
  companyName: string | null;
  branches: number;
  users: number;
  totalRequests: number;
  totalTokensUsed: number;
  avgTokensPerRequest: number;
  firstUsed: string | null;
  lastUsed: string | null;
  daysActive: number;
}

export async function readUsageSummary(handle: DbHandle): Promise<CompanyUsage[]> {
  const rows = await handle.db
    .selectFrom('vw_UsageSummary')
    .selectAll()
    .orderBy('TotalTokensUsed', 'desc')
    .orderBy('CompanyID')
    .execute();
  return rows.map((r) => ({
    companyId: r.CompanyID,
    companyName: r.CompanyName,
    branches: toNum(r.Branches),
    users: toNum(r.Users),
    totalRequests: toNum(r.TotalRequests),
    totalTokensUsed: toNum(r.TotalTokensUsed),
    avgTokensPerRequest: Math.round(toNum(r.AvgTokensPerRequest) * 100) / 100,
    firstUsed: toIso(r.FirstUsed),
    lastUsed: toIso(r.LastUsed),
    daysActive: toNum(r.DaysActive),
  }));
}

export interface RecentError {
  logId: number;
  timestamp: string;
  level: string;
  logger: string | null;
  message: string | null;
  exception: string | null;
  requestId: string | null;
  companyId: string | null;
  minutesAgo: number;
}

export async function readRecentErrors(handle: DbHandle): Promise<RecentError[]> {
  const rows = await handle.db
    .selectFrom('vw_RecentErrors')
    .selectAll()
    .orderBy('Timestamp', 'desc')
    .orderBy('LogID', 'desc')
    .execute();
  return rows.map((r) => ({
    logId: r.LogID,
    timestamp: toIso(r.Timestamp),
    level: r.LogLevel,
    logger: r.Logger,
    message: r.Message,
    exception: r.Exception,
    requestId: r.RequestID,
    companyId: r.CompanyID,
    minutesAgo: toNum(r.MinutesAgo),
  }));
}

export interface FailedRequest {
  requestId: string;
  companyId: string | null;
  lastTokenId: number | null;
  attempts: number;
  keysTried: number;
  lastErrorCode: string | null;
  lastHttpStatus: number | null;
  lastErrorMessage: string | null;
  totalDelayMs: number;
  firstAttemptAt: string;
  lastAttemptAt: string;
}

export async function readFailedRetries(handle: DbHandle): Promise<FailedRequest[]> {
  const rows = await handle.db
    .selectFrom('vw_FailedRetries')
    .selectAll()
    .orderBy('LastAttemptAt', 'desc')
    .execute();
  return rows.map((r) => ({
    requestId: r.RequestID,
    companyId: r.CompanyID,
    lastTokenId: r.LastTokenID,
    attempts: toNum(r.Attempts),
    keysTried: toNum(r.KeysTried),
    lastErrorCode: r.LastErrorCode,
    lastHttpStatus: r.LastHttpStatus,
    lastErrorMessage: r.LastErrorMessage,
    totalDelayMs: toNum(r.TotalDelayMs),
    firstAttemptAt: toIso(r.FirstAttemptAt),
    lastAttemptAt: toIso(r.LastAttemptAt),
  }));
}

/** The cheapest round trip: what /health reports as "database reachable". */
export async function pingDatabase(handle: DbHandle): Promise<void> {
  await handle.db
    .selectFrom('SchemaMigrations')
    .select('MigrationID')
    .where('MigrationID', '=', '0001-baseline')
    .execute();
}
