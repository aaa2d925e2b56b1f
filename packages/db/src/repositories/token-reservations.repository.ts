import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { NewTokenReservationRow } from '../schema/token-reservations.table.ts';
import { compiledOnce } from './compiled-once.ts';
import { clip, firstReturned, returnedId, returningColumns, toIso, toNum } from './row-values.ts';

export interface Reservation {
  reservationId: number;
  tokenId: number;
  companyId: string;
  requestId: string;
  reservedTokens: number;
  instanceId: string | null;
  createdAt: string;
  expiresAt: string;
  /** When its provider call was dispatched; null while it never was. */
  dispatchedAt: string | null;
}

export async function insertReservation(handle: DbHandle, row: NewTokenReservationRow): Promise<number> {
  const result = await insertReservationStatement(handle, {
    ...row,
    InstanceID: clip(row.InstanceID, 100),
    CreatedAt: row.CreatedAt ?? new Date(),
  });
  return returnedId(result.rows[0], 'TokenReservations', 'ReservationID');
}

/** One per request on the hot path: compiled once (compiled-once.ts). */
const insertReservationStatement = compiledOnce((handle, row: NewTokenReservationRow) =>
  returningColumns(
    handle,
    'TokenReservations',
    handle.db.insertInto('TokenReservations').values(row),
    'inserted',
    ['ReservationID'],
  ),
);

/** Deletes a reservation; returns how many tokens it held (0 if it was already gone). One statement: its row count is the race guard. */
export async function deleteReservation(handle: DbHandle, reservationId: number): Promise<number> {
  const del = handle.db.deleteFrom('TokenReservations').where('ReservationID', '=', reservationId);
  const row = await firstReturned(handle, 'TokenReservations', del, 'deleted', ['ReservedTokens']);
  return toNum(row?.ReservedTokens);
}

export async function getReservation(
  handle: DbHandle,
  reservationId: number,
): Promise<Reservation | undefined> {
  const row = await handle.db
    .selectFrom('TokenReservations')
    .selectAll()
    .where('ReservationID', '=', reservationId)
    .executeTakeFirst();
  return (
    row && {
      reservationId: row.ReservationID,
      tokenId: row.TokenID,
      companyId: row.CompanyID,
      requestId: row.RequestID,
      reservedTokens: row.ReservedTokens,
      instanceId: row.InstanceID,
      createdAt: toIso(row.CreatedAt),
      expiresAt: toIso(row.ExpiresAt),
      dispatchedAt: toIso(row.DispatchedAt),
    }
  );
}

/**
 * Marks a hold as dispatched, right before its provider call: from here on the provider may
 * bill the call, so a hold that is never settled is charged, not released. False when the hold
 * is gone (swept), and the call must not be made on it.
 */
export async function markReservationDispatched(
  handle: DbHandle,
  reservationId: number,
  now: Date,
): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenReservations')
    .set({ DispatchedAt: now })
    .where('ReservationID', '=', reservationId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Reservations whose holder is presumed dead: past their expiry. Oldest first. */
export async function listExpiredReservationIds(handle: DbHandle, now: Date, max = 500): Promise<number[]> {
  let query = handle.db
    .selectFrom('TokenReservations')
    .select('ReservationID')
    .where('ExpiresAt', '<=', now)
    .orderBy('ExpiresAt');
  query = handle.kind === 'mssql' ? query.top(max) : query.limit(max);
  const rows = await query.execute();
  return rows.map((r) => r.ReservationID);
}

/** Σ ReservedTokens of one token's open reservations: the ledger's ReservedTokens invariant. */
export async function sumOpenReservations(handle: DbHandle, tokenId: number): Promise<number> {
  const row = await handle.db
    .selectFrom('TokenReservations')
    .select(sql<number | string | null>`sum(${sql.ref('ReservedTokens')})`.as('n'))
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return toNum(row?.n);
}

export async function countOpenReservations(handle: DbHandle): Promise<number> {
  const row = await handle.db
    .selectFrom('TokenReservations')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirst();
  return toNum(row?.n);
}

/** Holds taken by one process: what it releases when it shuts down with work unfinished. */
export async function listReservationIdsOfInstance(handle: DbHandle, instanceId: string): Promise<number[]> {
  const rows = await handle.db
    .selectFrom('TokenReservations')
    .select('ReservationID')
    .where('InstanceID', '=', instanceId)
    .orderBy('ReservationID')
    .execute();
  return rows.map((r) => r.ReservationID);
}
