import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { ResultCacheRow } from '../schema/result-cache.table.ts';
import { compiledOnce } from './compiled-once.ts';
import { clip, paged, toIso, toNum } from './row-values.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface CachedResult {
  companyId: string;
  fileSha256: string;
  resultJson: string;
  resultBytes: number;
  requestId: string | null;
  createdAt: string;
  expiresAt: string;
}

function toCached(row: ResultCacheRow): CachedResult {
  return {
    companyId: row.CompanyID,
    fileSha256: row.FileSha256,
    resultJson: row.ResultJson,
    resultBytes: toNum(row.ResultBytes),
    requestId: row.RequestID,
    createdAt: toIso(row.CreatedAt),
    expiresAt: toIso(row.ExpiresAt),
  };
}

/** The company's live (not expired) result for this file, whichever instance stored it. */
export async function findCachedResult(
  handle: DbHandle,
  companyId: string,
  fileSha256: string,
  now: Date,
): Promise<CachedResult | undefined> {
  const row = (await findCompiled(handle, { companyId, fileSha256, now })).rows[0];
  return row && toCached(row);
}

/** Every uncached request's first statement: compiled once (compiled-once.ts). */
const findCompiled = compiledOnce((handle, v: { companyId: string; fileSha256: string; now: Date }) =>
  handle.db
    .selectFrom('ResultCache')
    .selectAll()
    .where('CompanyID', '=', v.companyId)
    .where('FileSha256', '=', v.fileSha256)
    .where('ExpiresAt', '>', v.now),
);

export interface StoreCachedResult {
  companyId: string;
  fileSha256: string;
  resultJson: string;
  requestId: string | null;
  now: Date;
  expiresAt: Date;
}

/**
 * Stores a result unless the company already has a live one for the file (another instance's
 * is as good): insert-if-missing under the unique (CompanyID, FileSha256) index, then an
 * expired row is replaced in place. True when this call wrote the row.
 */
export async function storeCachedResult(handle: DbHandle, entry: StoreCachedResult): Promise<boolean> {
  const db = handle.db;
  const values = {
    ResultJson: entry.resultJson,
    ResultBytes: Buffer.byteLength(entry.resultJson, 'utf8'),
    RequestID: clip(entry.requestId, 100),
    CreatedAt: entry.now,
    ExpiresAt: entry.expiresAt,
  };
  try {
    const inserted = await storeCompiled(handle, {
      companyId: entry.companyId,
      fileSha256: entry.fileSha256,
      ...values,
    });
    if (Number(inserted.numAffectedRows ?? 0) === 1) return true;
  } catch (error) {
    // Another writer inserted between the check and the insert: its row is as good.
    if (!isUniqueViolation(error)) throw error;
    return false;
  }
  const replaced = await db
    .updateTable('ResultCache')
    .set(values)
    .where('CompanyID', '=', entry.companyId)
    .where('FileSha256', '=', entry.fileSha256)
    .where('ExpiresAt', '<=', entry.now)
    .executeTakeFirst();
  return Number(replaced.numUpdatedRows) === 1;
}

/** storeCachedResult's insert-if-missing, once per uncached success: compiled once (compiled-once.ts). */
const storeCompiled = compiledOnce(
  (
    handle,
    v: {
      companyId: string;
      fileSha256: string;
      ResultJson: string;
      ResultBytes: number;
      RequestID: string | null;
      CreatedAt: Date;
      ExpiresAt: Date;
    },
  ) =>
    handle.db
      .insertInto('ResultCache')
      .columns([
        'CompanyID',
        'FileSha256',
        'ResultJson',
        'ResultBytes',
        'RequestID',
        'CreatedAt',
        'ExpiresAt',
      ])
      .expression(
        handle.db
          .selectNoFrom([
            sql<string>`${v.companyId}`.as('CompanyID'),
            sql<string>`${v.fileSha256}`.as('FileSha256'),
            sql<string>`${v.ResultJson}`.as('ResultJson'),
            sql<number>`${v.ResultBytes}`.as('ResultBytes'),
            sql<string | null>`${v.RequestID}`.as('RequestID'),
            sql<Date>`${v.CreatedAt}`.as('CreatedAt'),
            sql<Date>`${v.ExpiresAt}`.as('ExpiresAt'),
          ])
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('ResultCache as c')
                  .select('c.CacheID')
                  .where('c.CompanyID', '=', v.companyId)
                  .where('c.FileSha256', '=', v.fileSha256),
              ),
            ),
          ),
      ),
);

/** Deletes one company's cached results, or all of them. Returns how many went. */
export async function deleteCachedResults(handle: DbHandle, companyId?: string): Promise<number> {
  let query = handle.db.deleteFrom('ResultCache');
  if (companyId !== undefined) query = query.where('CompanyID', '=', companyId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface CachedResultCounts {
  entries: number;
  bytes: number;
  oldestCreatedAt: string | null;
}

/** Live entries (all companies), their stored size, and when the oldest was stored. */
export async function countCachedResults(handle: DbHandle, now: Date): Promise<CachedResultCounts> {
  const row = await handle.db
    .selectFrom('ResultCache')
    .select([
      sql<number | string>`count(*)`.as('n'),
      sql<number | string | null>`sum(cast(${sql.ref('ResultBytes')} as bigint))`.as('bytes'),
      sql<Date | string | null>`min(${sql.ref('CreatedAt')})`.as('oldest'),
    ])
    .where('ExpiresAt', '>', now)
    .executeTakeFirst();
  return { entries: toNum(row?.n), bytes: toNum(row?.bytes), oldestCreatedAt: toIso(row?.oldest) };
}

/** Deletes up to `max` expired entries, oldest first. Returns how many went. */
export async function pruneCachedResults(handle: DbHandle, now: Date, max: number): Promise<number> {
  let oldest = handle.db
    .selectFrom('ResultCache')
    .select('CacheID')
    .where('ExpiresAt', '<=', now)
    .orderBy('ExpiresAt');
  oldest = handle.kind === 'mssql' ? oldest.top(max) : oldest.limit(max);
  const result = await handle.db.deleteFrom('ResultCache').where('CacheID', 'in', oldest).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Keeps the `keep` entries that expire last and deletes up to `max` of the others, so the table
 * stays under its configured size whatever the TTL. Returns how many went.
 */
export async function trimCachedResults(handle: DbHandle, keep: number, max: number): Promise<number> {
  const beyond = paged(
    handle,
    handle.db
      .selectFrom('ResultCache')
      .select('CacheID')
      .orderBy('ExpiresAt', 'desc')
      .orderBy('CacheID', 'desc'),
    { limit: max, offset: keep },
  );
  const result = await handle.db.deleteFrom('ResultCache').where('CacheID', 'in', beyond).executeTakeFirst();
  return Number(result.numDeletedRows);
}
