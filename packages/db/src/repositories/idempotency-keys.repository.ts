import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { IdempotencyKeyRow, IdempotencyState } from '../schema/idempotency-keys.table.ts';
import { compiledOnce } from './compiled-once.ts';
import { clip, toIso } from './row-values.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface IdempotencyRecord {
  companyId: string;
  idempotencyKey: string;
  fileSha256: string;
  state: IdempotencyState;
  ownerId: string;
  requestId: string | null;
  resultJson: string | null;
  createdAt: string;
  /** The claim's lease while pending; the end of the record's TTL once done. */
  expiresAt: string;
}

function toRecord(row: IdempotencyKeyRow): IdempotencyRecord {
  return {
    companyId: row.CompanyID,
    idempotencyKey: row.IdempotencyKey,
    fileSha256: row.FileSha256,
    state: row.State,
    ownerId: row.OwnerID,
    requestId: row.RequestID,
    resultJson: row.ResultJson,
    createdAt: toIso(row.CreatedAt),
    expiresAt: toIso(row.ExpiresAt),
  };
}

export interface IdempotencyClaim {
  companyId: string;
  idempotencyKey: string;
  fileSha256: string;
  /** Random per request: only this owner may complete or release the claim. */
  ownerId: string;
  requestId: string | null;
  now: Date;
  /** The lease: past it, the claimer is presumed dead and another request may take over. */
  leaseExpiresAt: Date;
}

/**
 * Claims a key for one request: a 'pending' row inserted only if the company has none for this
 * key (insert-if-missing under the unique (CompanyID, IdempotencyKey) index). Exactly one
 * concurrent caller gets true, on any number of instances.
 */
export async function claimIdempotencyKey(handle: DbHandle, claim: IdempotencyClaim): Promise<boolean> {
  try {
    const inserted = await claimCompiled(handle, { ...claim, requestId: clip(claim.requestId, 100) });
    return Number(inserted.numAffectedRows ?? 0) === 1;
  } catch (error) {
    // Another instance inserted between the check and the insert: it holds the claim.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** The claim's insert-if-missing, once per request with a key: compiled once (compiled-once.ts). */
const claimCompiled = compiledOnce((handle, claim: IdempotencyClaim) => {
  const db = handle.db;
  return db
    .insertInto('IdempotencyKeys')
    .columns([
      'CompanyID',
      'IdempotencyKey',
      'FileSha256',
      'State',
      'OwnerID',
      'RequestID',
      'CreatedAt',
      'ExpiresAt',
    ])
    .expression(
      db
        .selectNoFrom([
          sql<string>`${claim.companyId}`.as('CompanyID'),
          sql<string>`${claim.idempotencyKey}`.as('IdempotencyKey'),
          sql<string>`${claim.fileSha256}`.as('FileSha256'),
          sql<IdempotencyState>`${'pending'}`.as('State'),
          sql<string>`${claim.ownerId}`.as('OwnerID'),
          sql<string | null>`${claim.requestId}`.as('RequestID'),
          sql<Date>`${claim.now}`.as('CreatedAt'),
          sql<Date>`${claim.leaseExpiresAt}`.as('ExpiresAt'),
        ])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('IdempotencyKeys as k')
                .select('k.IdempotencyID')
                .where('k.CompanyID', '=', claim.companyId)
                .where('k.IdempotencyKey', '=', claim.idempotencyKey),
            ),
          ),
        ),
    );
});

/**
 * Takes over a record whose ExpiresAt has passed (a claimer that died, or a result past its
 * TTL) as a fresh claim. One conditional UPDATE: exactly one concurrent caller gets true.
 */
export async function takeOverIdempotencyKey(handle: DbHandle, claim: IdempotencyClaim): Promise<boolean> {
  const result = await handle.db
    .updateTable('IdempotencyKeys')
    .set({
      FileSha256: claim.fileSha256,
      State: 'pending',
      OwnerID: claim.ownerId,
      RequestID: clip(claim.requestId, 100),
      ResultJson: null,
      CreatedAt: claim.now,
      ExpiresAt: claim.leaseExpiresAt,
    })
    .where('CompanyID', '=', claim.companyId)
    .where('IdempotencyKey', '=', claim.idempotencyKey)
    .where('ExpiresAt', '<=', claim.now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function getIdempotencyRecord(
  handle: DbHandle,
  companyId: string,
  idempotencyKey: string,
): Promise<IdempotencyRecord | undefined> {
  const row = await handle.db
    .selectFrom('IdempotencyKeys')
    .selectAll()
    .where('CompanyID', '=', companyId)
    .where('IdempotencyKey', '=', idempotencyKey)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** The claim's owner stores its result; the record then lives until `expiresAt`. */
export async function completeIdempotencyKey(
  handle: DbHandle,
  done: { companyId: string; idempotencyKey: string; ownerId: string; resultJson: string; expiresAt: Date },
): Promise<boolean> {
  const result = await handle.db
    .updateTable('IdempotencyKeys')
    .set({ State: 'done', ResultJson: done.resultJson, ExpiresAt: done.expiresAt })
    .where('CompanyID', '=', done.companyId)
    .where('IdempotencyKey', '=', done.idempotencyKey)
    .where('OwnerID', '=', done.ownerId)
    .where('State', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The claim's owner gives it up (its request failed): the client may try again with the key. */
export async function releaseIdempotencyKey(
  handle: DbHandle,
  claim: { companyId: string; idempotencyKey: string; ownerId: string },
): Promise<boolean> {
  const result = await handle.db
    .deleteFrom('IdempotencyKeys')
    .where('CompanyID', '=', claim.companyId)
    .where('IdempotencyKey', '=', claim.idempotencyKey)
    .where('OwnerID', '=', claim.ownerId)
    .where('State', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Deletes up to `max` records past their ExpiresAt (results past their TTL, dead claims). */
export async function pruneIdempotencyKeys(handle: DbHandle, now: Date, max: number): Promise<number> {
  let oldest = handle.db
    .selectFrom('IdempotencyKeys')
    .select('IdempotencyID')
    .where('ExpiresAt', '<=', now)
    .orderBy('ExpiresAt');
  oldest = handle.kind === 'mssql' ? oldest.top(max) : oldest.limit(max);
  const result = await handle.db
    .deleteFrom('IdempotencyKeys')
    .where('IdempotencyID', 'in', oldest)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
