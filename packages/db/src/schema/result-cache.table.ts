import type { Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

/**
 * Extraction results by company and file (SHA-256), shared by every instance on the database:
 * an identical upload by the same company costs no tokens until ExpiresAt. Companies never
 * share rows (unique on CompanyID + FileSha256).
 */
export interface ResultCacheTable {
  CacheID: IdColumn;
  CompanyID: string;
  /** Lower-case hex SHA-256 of the uploaded bytes. */
  FileSha256: string;
  /** The first extraction's result, as JSON. */
  ResultJson: string;
  /** UTF-8 size of ResultJson, for the size cap and the status page. */
  ResultBytes: number;
  /** The request that extracted it. */
  RequestID: string | null;
  CreatedAt: DateTimeColumn;
  ExpiresAt: DateTimeColumn;
}

export type ResultCacheRow = Selectable<ResultCacheTable>;
