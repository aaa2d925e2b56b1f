import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { NewTokenMasterRow, TokenMasterRow, TokenMasterUpdate } from '../schema/token-master.table.ts';
import { clip, insertReturningId, toIso } from './row-values.ts';

/** A token as operators see it: everything but the key itself. */
export interface TokenInfo {
  tokenId: number;
  companyId: string;
  companyName: string | null;
  keyHint: string | null;
  provider: string;
  totalTokenLimit: number;
  status: string;
  statusReason: string | null;
  expiresAt: string | null;
  retiresAt: string | null;
  cooldownUntil: string | null;
  rotatedFromTokenId: number | null;
  /** none | daily | weekly | monthly: when TotalTokenLimit starts over (migration 0006). */
  budgetPeriod: string;
  /** The IANA time zone whose midnight starts a budget window. */
  budgetTimeZone: string;
  /** When the provider was last asked about the key, and what it said (migration 0008). */
  lastVerifiedAt: string | null;
  lastVerifyResult: string | null;
  deletedAt: string | null;
  createdAt: string;
  updatedAt: string | null;
}

const INFO_COLUMNS = [
  'TokenID',
  'CompanyID',
  'CompanyName',
  'KeyHint',
  'Provider',
  'TotalTokenLimit',
  'Status',
  'StatusReason',
  'ExpiresAt',
  'RetiresAt',
  'CooldownUntil',
  'RotatedFromTokenID',
  'BudgetPeriod',
  'BudgetTimeZone',
  'LastVerifiedAt',
  'LastVerifyResult',
  'DeletedAt',
  'CreatedAt',
  'UpdatedAt',
] as const;

type InfoRow = Pick<TokenMasterRow, (typeof INFO_COLUMNS)[number]>;

export function toTokenInfo(row: InfoRow): TokenInfo {
  return {
    tokenId: row.TokenID,
    companyId: row.CompanyID,
    companyName: row.CompanyName,
    keyHint: row.KeyHint,
    provider: row.Provider,
    totalTokenLimit: row.TotalTokenLimit,
    status: row.Status,
    statusReason: row.StatusReason,
    expiresAt: toIso(row.ExpiresAt),
    retiresAt: toIso(row.RetiresAt),
    cooldownUntil: toIso(row.CooldownUntil),
    rotatedFromTokenId: row.RotatedFromTokenID,
    // An upgraded old TokenMaster row written by hand may hold NULL despite the default.
    budgetPeriod: row.BudgetPeriod ?? 'none',
    budgetTimeZone: row.BudgetTimeZone ?? 'UTC',
    lastVerifiedAt: toIso(row.LastVerifiedAt),
    lastVerifyResult: row.LastVerifyResult,
    deletedAt: toIso(row.DeletedAt),
    createdAt: toIso(row.CreatedAt),
    updatedAt: toIso(row.UpdatedAt),
  };
}

export async function insertToken(handle: DbHandle, row: NewTokenMasterRow): Promise<number> {
  const now = new Date();
  return insertReturningId(handle, 'TokenMaster', 'TokenID', {
    // Written, not defaulted: an upgraded old TokenMaster has these columns without defaults.
    Provider: 'Gemini',
    TotalTokenLimit: 100000,
    Status: 'Active',
    ...row,
    CompanyID: clip(row.CompanyID, 50),
    CompanyName: clip(row.CompanyName, 200),
    CreatedAt: row.CreatedAt ?? now,
    UpdatedAt: row.UpdatedAt ?? now,
  });
}

export async function getToken(handle: DbHandle, tokenId: number): Promise<TokenInfo | undefined> {
  const row = await handle.db
    .selectFrom('TokenMaster')
    .select(INFO_COLUMNS)
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return row && toTokenInfo(row);
}

/** The stored key (an encrypted envelope, or legacy plaintext). Only the key vault should call this. */
export async function getTokenSecret(
  handle: DbHandle,
  tokenId: number,
): Promise<{ apiKey: string; keyHash: string | null } | undefined> {
  const row = await handle.db
    .selectFrom('TokenMaster')
    .select(['ApiKey', 'KeyHash'])
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return row && { apiKey: row.ApiKey, keyHash: row.KeyHash };
}

export async function findTokenIdByKeyHash(handle: DbHandle, keyHash: string): Promise<number | undefined> {
  const row = await handle.db
    .selectFrom('TokenMaster')
    .select('TokenID')
    .where('KeyHash', '=', keyHash)
    .executeTakeFirst();
  return row?.TokenID;
}

export interface TokenFilter {
  companyId?: string;
  statuses?: readonly string[];
  includeDeleted?: boolean;
}

export async function listTokens(handle: DbHandle, filter: TokenFilter = {}): Promise<TokenInfo[]> {
  let query = handle.db.selectFrom('TokenMaster').select(INFO_COLUMNS);
  if (filter.companyId !== undefined) query = query.where('CompanyID', '=', filter.companyId);
  if (filter.statuses?.length) query = query.where('Status', 'in', [...filter.statuses]);
  if (!filter.includeDeleted) query = query.where('DeletedAt', 'is', null);
  const rows = await query.orderBy('CompanyID').orderBy('TokenID').execute();
  return rows.map(toTokenInfo);
}

/** Updates the given columns and UpdatedAt; false when no such token. */
export async function updateToken(
  handle: DbHandle,
  tokenId: number,
  patch: TokenMasterUpdate,
): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenMaster')
    .set({ ...patch, UpdatedAt: patch.UpdatedAt ?? new Date() })
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Legacy rows with a plaintext key have no KeyHash yet: what "encrypt legacy keys" must visit. */
export async function listTokenIdsWithoutKeyHash(handle: DbHandle): Promise<number[]> {
  const rows = await handle.db
    .selectFrom('TokenMaster')
    .select('TokenID')
    .where('KeyHash', 'is', null)
    .where('DeletedAt', 'is', null)
    .orderBy('TokenID')
    .execute();
  return rows.map((r) => r.TokenID);
}

/** Distinct statuses of a company's (non-removed) keys, for explaining why none can serve. */
export async function companyTokenStatuses(handle: DbHandle, companyId: string): Promise<string[]> {
  const rows = await handle.db
    .selectFrom('TokenMaster')
    .select(sql<string>`distinct ${sql.ref('Status')}`.as('Status'))
    .where('CompanyID', '=', companyId)
    .where('DeletedAt', 'is', null)
    .execute();
  return rows.map((r) => r.Status).sort();
}

/** Records what the provider said about a key (clipped to the column); false when no such token. */
export async function recordKeyCheck(
  handle: DbHandle,
  tokenId: number,
  at: Date,
  result: string,
): Promise<boolean> {
  const res = await handle.db
    .updateTable('TokenMaster')
    .set({ LastVerifiedAt: at, LastVerifyResult: clip(result, 400) })
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
