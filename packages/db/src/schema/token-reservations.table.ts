import type { Insertable, Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

/** An in-flight quota hold. Released on settle, or by the sweeper once ExpiresAt passes. */
export interface TokenReservationsTable {
  ReservationID: IdColumn;
  TokenID: number;
  CompanyID: string;
  RequestID: string;
  ReservedTokens: number;
  /** Which process holds it, so a restarted instance can release its own leftovers. */
  InstanceID: string | null;
  CreatedAt: DateTimeColumn;
  ExpiresAt: DateTimeColumn;
}

export type TokenReservationRow = Selectable<TokenReservationsTable>;
export type NewTokenReservationRow = Insertable<TokenReservationsTable>;
