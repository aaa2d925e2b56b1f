import { type RawBuilder, sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { NewTokenUsageLogRow, TokenUsageLogRow } from '../schema/token-usage-logs.table.ts';
import { compiledOnce } from './compiled-once.ts';
import { clip, type Page, paged, returnedId, returningColumns, toIso, toNum } from './row-values.ts';

export interface UsageLog {
  usageId: number;
  tokenId: number;
  companyId: string | null;
  requestId: string | null;
  branch: string;
  requestedBy: string;
  inputTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
  textPromptTokens: number;
  imagePromptTokens: number;
  documentPromptTokens: number;
  textCandidatesTokens: number;
  cachedTokens: number;
  totalTokensUsed: number;
  /** The part of totalTokensUsed that is presumed (a dispatched call whose answer never came). */
  presumedTokens: number;
  requestCount: number;
  model: string | null;
  outcome: string | null;
  latencyMs: number | null;
  loggedAt: string;
}

function toUsageLog(row: TokenUsageLogRow): UsageLog {
  return {
    usageId: row.UsageID,
    tokenId: row.TokenID,
    companyId: row.CompanyID,
    requestId: row.RequestID,
    branch: row.Branch,
    requestedBy: row.RequestedBy,
    inputTokens: row.InputTokens,
    outputTokens: row.OutputTokens,
    thoughtsTokens: row.ThoughtsTokens,
    textPromptTokens: row.TextPromptTokens,
    imagePromptTokens: row.ImagePromptTokens,
    documentPromptTokens: row.DocumentPromptTokens,
    textCandidatesTokens: row.TextCandidatesTokens,
    cachedTokens: row.CachedTokens,
    totalTokensUsed: row.TotalTokensUsed,
    presumedTokens: toNum(row.PresumedTokens),
    requestCount: row.RequestCount,
    model: row.Model,
    outcome: row.Outcome,
    latencyMs: row.LatencyMs,
    loggedAt: toIso(row.LoggedAt),
  };
}

/**
 * Inserts one usage row. Text is clipped to the narrowest column a database may have (the
 * old service's Branch was VARCHAR(50) and an overlong branch lost the whole row).
 */
export async function insertUsageLog(handle: DbHandle, row: NewTokenUsageLogRow): Promise<number> {
  // Every counted column is written, never left to a default: an upgraded old table has them
  // without one, and a NULL RequestCount made vw_UsageSummary count one request for three.
  const counted = Object.fromEntries(COUNTED_COLUMNS.map((c) => [c, row[c] ?? 0]));
  const result = await insertUsageStatement(handle, {
    ...row,
    ...counted,
    RequestCount: row.RequestCount ?? 1,
    CompanyID: clip(row.CompanyID, 50),
    RequestID: clip(row.RequestID, 64),
    Branch: clip(row.Branch ?? 'Default', 50),
    RequestedBy: clip(row.RequestedBy ?? 'System', 100),
    Model: clip(row.Model, 100),
    Outcome: clip(row.Outcome, 32),
    LoggedAt: row.LoggedAt ?? new Date(),
  });
  return returnedId(result.rows[0], 'TokenUsageLogs', 'UsageID');
}

/** One per settled call on the hot path: compiled once (compiled-once.ts). */
const insertUsageStatement = compiledOnce((handle, row: NewTokenUsageLogRow) =>
  returningColumns(handle, 'TokenUsageLogs', handle.db.insertInto('TokenUsageLogs').values(row), 'inserted', [
    'UsageID',
  ]),
);

const COUNTED_COLUMNS = [
  'InputTokens',
  'OutputTokens',
  'ThoughtsTokens',
  'TextPromptTokens',
  'ImagePromptTokens',
  'DocumentPromptTokens',
  'TextCandidatesTokens',
  'CachedTokens',
  'TotalTokensUsed',
  'PresumedTokens',
] as const satisfies ReadonlyArray<keyof NewTokenUsageLogRow>;

export interface UsageFilter {
  companyId?: string;
  tokenId?: number;
  branch?: string;
  requestedBy?: string;
  requestId?: string;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
}

function filtered(handle: DbHandle, filter: UsageFilter) {
  let query = handle.db.selectFrom('TokenUsageLogs');
  if (filter.companyId !== undefined) query = query.where('CompanyID', '=', filter.companyId);
  if (filter.tokenId !== undefined) query = query.where('TokenID', '=', filter.tokenId);
  if (filter.branch !== undefined) query = query.where('Branch', '=', filter.branch);
  if (filter.requestedBy !== undefined) query = query.where('RequestedBy', '=', filter.requestedBy);
  if (filter.requestId !== undefined) query = query.where('RequestID', '=', filter.requestId);
  if (filter.from !== undefined) query = query.where('LoggedAt', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('LoggedAt', '<', filter.to);
  return query;
}

/** Newest first. */
export async function listUsageLogs(handle: DbHandle, filter: UsageFilter, page: Page): Promise<UsageLog[]> {
  const query = filtered(handle, filter).selectAll().orderBy('LoggedAt', 'desc').orderBy('UsageID', 'desc');
  const rows = await paged(handle, query, page).execute();
  return rows.map(toUsageLog);
}

export const USAGE_GROUPS = ['company', 'token', 'branch', 'user', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageTotal {
  /** The company id, token id, branch, user or UTC day (YYYY-MM-DD) the row is about. */
  key: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
  totalTokens: number;
  /** The part of totalTokens charged as presumed usage, never reported by the provider. */
  presumedTokens: number;
  firstAt: string | null;
  lastAt: string | null;
}

function groupExpression(handle: DbHandle, group: UsageGroup): RawBuilder<string> {
  switch (group) {
    case 'company':
      return sql<string>`${sql.ref('CompanyID')}`;
    case 'token':
      return sql<string>`cast(${sql.ref('TokenID')} as ${handle.kind === 'mssql' ? sql`nvarchar(20)` : sql`text`})`;
    case 'branch':
      return sql<string>`${sql.ref('Branch')}`;
    case 'user':
      return sql<string>`${sql.ref('RequestedBy')}`;
    case 'day':
      return handle.kind === 'mssql'
        ? sql<string>`convert(char(10), ${sql.ref('LoggedAt')}, 23)`
        : sql<string>`substr(${sql.ref('LoggedAt')}, 1, 10)`;
  }
}

/** Totals per company, token, branch, user or UTC day, largest key last for days, by tokens otherwise. */
export async function usageTotals(
  handle: DbHandle,
  group: UsageGroup,
  filter: UsageFilter = {},
): Promise<UsageTotal[]> {
  const key = groupExpression(handle, group);
  const rows = await filtered(handle, filter)
    .select([
      key.as('GroupKey'),
      sql<string>`cast(sum(${sql.ref('RequestCount')}) as bigint)`.as('Requests'),
      sql<string>`cast(sum(${sql.ref('InputTokens')}) as bigint)`.as('InputTokens'),
      sql<string>`cast(sum(${sql.ref('OutputTokens')}) as bigint)`.as('OutputTokens'),
      sql<string>`cast(sum(${sql.ref('ThoughtsTokens')}) as bigint)`.as('ThoughtsTokens'),
      sql<string>`cast(sum(${sql.ref('TotalTokensUsed')}) as bigint)`.as('TotalTokens'),
      sql<string>`cast(sum(${sql.ref('PresumedTokens')}) as bigint)`.as('PresumedTokens'),
      sql<Date | string>`min(${sql.ref('LoggedAt')})`.as('FirstAt'),
      sql<Date | string>`max(${sql.ref('LoggedAt')})`.as('LastAt'),
    ])
    .groupBy(key)
    .execute();
  const totals = rows.map((r) => ({
    key: String(r.GroupKey ?? ''),
    requests: toNum(r.Requests),
    inputTokens: toNum(r.InputTokens),
    outputTokens: toNum(r.OutputTokens),
    thoughtsTokens: toNum(r.ThoughtsTokens),
    totalTokens: toNum(r.TotalTokens),
    presumedTokens: toNum(r.PresumedTokens),
    firstAt: toIso(r.FirstAt),
    lastAt: toIso(r.LastAt),
  }));
  return group === 'day'
    ? totals.sort((a, b) => a.key.localeCompare(b.key))
    : totals.sort((a, b) => b.totalTokens - a.totalTokens || a.key.localeCompare(b.key));
}

/** Σ TotalTokensUsed of one token: the ledger invariant's right-hand side. */
export async function sumTokensUsed(handle: DbHandle, tokenId: number): Promise<number> {
  const row = await handle.db
    .selectFrom('TokenUsageLogs')
    .select(sql<string | number | null>`cast(sum(${sql.ref('TotalTokensUsed')}) as bigint)`.as('n'))
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return toNum(row?.n);
}
