import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { NewRetryAttemptRow, RetryAttemptRow } from '../schema/retry-attempts.table.ts';
import { chunksFor, clip, type Page, paged, toBool, toIso, toNum } from './row-values.ts';

export interface RetryAttempt {
  retryId: number;
  tokenId: number | null;
  companyId: string | null;
  requestId: string | null;
  attempt: number | null;
  errorCode: string | null;
  httpStatus: number | null;
  errorMessage: string | null;
  isRetryable: boolean;
  isFinal: boolean;
  delayMs: number | null;
  timestamp: string;
}

function toRetryAttempt(row: RetryAttemptRow): RetryAttempt {
  return {
    retryId: row.RetryID,
    tokenId: row.TokenID,
    companyId: row.CompanyID,
    requestId: row.RequestID,
    attempt: row.Attempt,
    errorCode: row.ErrorCode,
    httpStatus: row.HttpStatus,
    errorMessage: row.ErrorMessage,
    isRetryable: toBool(row.IsRetryable),
    isFinal: toBool(row.IsFinal),
    delayMs: row.DelayMs,
    timestamp: toIso(row.Timestamp),
  };
}

export async function insertRetryAttempts(
  handle: DbHandle,
  rows: readonly NewRetryAttemptRow[],
): Promise<void> {
  const now = new Date();
  for (const chunk of chunksFor(rows, 11)) {
    await handle.db
      .insertInto('RetryAttempts')
      .values(
        // Every row names every column: a multi-row VALUES cannot fall back to column defaults.
        chunk.map((r) => ({
          TokenID: r.TokenID ?? null,
          CompanyID: clip(r.CompanyID ?? null, 50),
          RequestID: clip(r.RequestID ?? null, 64),
          Attempt: r.Attempt ?? null,
          ErrorCode: clip(r.ErrorCode ?? null, 64),
          HttpStatus: r.HttpStatus ?? null,
          ErrorMessage: r.ErrorMessage ?? null,
          IsRetryable: r.IsRetryable ?? true,
          IsFinal: r.IsFinal ?? false,
          DelayMs: r.DelayMs ?? null,
          Timestamp: r.Timestamp ?? now,
        })),
      )
      .execute();
  }
}

export interface RetryFilter {
  tokenId?: number;
  companyId?: string;
  requestId?: string;
  since?: Date;
}

function filtered(handle: DbHandle, filter: RetryFilter) {
  let query = handle.db.selectFrom('RetryAttempts');
  if (filter.tokenId !== undefined) query = query.where('TokenID', '=', filter.tokenId);
  if (filter.companyId !== undefined) query = query.where('CompanyID', '=', filter.companyId);
  if (filter.requestId !== undefined) query = query.where('RequestID', '=', filter.requestId);
  if (filter.since !== undefined) query = query.where('Timestamp', '>=', filter.since);
  return query;
}

/** Newest first; a request's attempts in attempt order. */
export async function listRetryAttempts(
  handle: DbHandle,
  filter: RetryFilter,
  page: Page,
): Promise<RetryAttempt[]> {
  const query = filtered(handle, filter).selectAll().orderBy('Timestamp', 'desc').orderBy('RetryID', 'desc');
  const rows = await paged(handle, query, page).execute();
  return rows.map(toRetryAttempt);
}

export interface RetryStat {
  errorCode: string;
  httpStatus: number | null;
  attempts: number;
  retryable: number;
  final: number;
}

/** Failed attempts grouped by error code and status, most frequent first. */
export async function retryStats(handle: DbHandle, filter: RetryFilter = {}): Promise<RetryStat[]> {
  const rows = await filtered(handle, filter)
    .select([
      'ErrorCode',
      'HttpStatus',
      sql<number>`count(*)`.as('Attempts'),
      sql<number>`sum(case when ${sql.ref('IsRetryable')} = 1 then 1 else 0 end)`.as('Retryable'),
      sql<number>`sum(case when ${sql.ref('IsFinal')} = 1 then 1 else 0 end)`.as('Final'),
    ])
    .groupBy(['ErrorCode', 'HttpStatus'])
    .execute();
  return rows
    .map((r) => ({
      errorCode: r.ErrorCode ?? 'UNKNOWN',
      httpStatus: r.HttpStatus,
      attempts: toNum(r.Attempts),
      retryable: toNum(r.Retryable),
      final: toNum(r.Final),
    }))
    .sort((a, b) => b.attempts - a.attempts || a.errorCode.localeCompare(b.errorCode));
}
