import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import { toIso } from './row-values.ts';

export interface TokenSummary {
  tokenId: number;
  totalUsedTokens: number;
  totalRemainingTokens: number;
  reservedTokens: number;
  threshold: number;
  requestCount: number;
  lastUsedAt: string | null;
  thresholdWarnedAt: string | null;
  lastUpdated: string;
}

/** Creates the token's summary row if it has none (remaining = its limit). Idempotent. */
export async function ensureSummary(handle: DbHandle, tokenId: number, threshold = 3000): Promise<void> {
  const db = handle.db;
  await db
    .insertInto('TokenUsageSummary')
    .columns([
      'TokenID',
      'TotalUsedTokens',
      'TotalRemainingTokens',
      'ReservedTokens',
      'Threshold',
      'RequestCount',
      'LastUpdated',
    ])
    .expression(
      db
        .selectFrom('TokenMaster as t')
        .select([
          't.TokenID',
          sql.lit(0).as('TotalUsedTokens'),
          't.TotalTokenLimit',
          sql.lit(0).as('ReservedTokens'),
          sql<number>`${threshold}`.as('Threshold'),
          sql.lit(0).as('RequestCount'),
          sql<Date>`${new Date()}`.as('LastUpdated'),
        ])
        .where('t.TokenID', '=', tokenId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('TokenUsageSummary as s')
                .select('s.TokenID')
                .whereRef('s.TokenID', '=', 't.TokenID'),
            ),
          ),
        ),
    )
    .execute();
}

export async function getSummary(handle: DbHandle, tokenId: number): Promise<TokenSummary | undefined> {
  const row = await handle.db
    .selectFrom('TokenUsageSummary')
    .selectAll()
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    tokenId: row.TokenID,
    totalUsedTokens: row.TotalUsedTokens,
    totalRemainingTokens: row.TotalRemainingTokens,
    reservedTokens: row.ReservedTokens,
    threshold: row.Threshold,
    requestCount: row.RequestCount,
    lastUsedAt: toIso(row.LastUsedAt),
    thresholdWarnedAt: toIso(row.ThresholdWarnedAt),
    lastUpdated: toIso(row.LastUpdated),
  };
}

/** Sets the warning threshold of one token. */
export async function setThreshold(handle: DbHandle, tokenId: number, threshold: number): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenUsageSummary')
    .set({ Threshold: threshold, LastUpdated: new Date() })
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
