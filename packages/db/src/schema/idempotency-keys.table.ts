import type { Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

export const IDEMPOTENCY_STATES = ['pending', 'done'] as const;
export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[number];

/**
 * A client's Idempotency-Key per company, shared by every instance on the database. A request
 * claims its key by inserting a 'pending' row (unique on CompanyID + IdempotencyKey) with a
 * lease (ExpiresAt); it stores its result as 'done' (ExpiresAt then ends the record's TTL).
 * A pending row whose lease has passed belongs to a claimer that died: another may take it over.
 */
export interface IdempotencyKeysTable {
  IdempotencyID: IdColumn;
  CompanyID: string;
  IdempotencyKey: string;
  /** The file the key was first used for: another file under the same key is a conflict. */
  FileSha256: string;
  State: IdempotencyState;
  /** Who holds the claim (random per request): only the holder completes or releases it. */
  OwnerID: string;
  RequestID: string | null;
  /** The first request's result as JSON, once done. */
  ResultJson: string | null;
  CreatedAt: DateTimeColumn;
  ExpiresAt: DateTimeColumn;
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
