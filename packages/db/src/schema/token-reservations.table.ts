import type { Insertable, Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn, NullableDateTimeColumn } from './column-types.ts';

/** An in-flight quota hold. Settled by its request, or by the sweeper once ExpiresAt passes. */
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
  /**
   * Set right before the provider call (migration 0005). A hold swept with it set is charged in
   * full as presumed usage (the provider may have billed the call); without it, released.
   */
  DispatchedAt: NullableDateTimeColumn;
  /**
   * Set when its key's budget window was reset while this hold was open (migration 0006): the end
   * of the window it was counted in. It settles into that closed window, never the new one.
   */
  BudgetWindowEnd: NullableDateTimeColumn;
}

export type TokenReservationRow = Selectable<TokenReservationsTable>;
export type NewTokenReservationRow = Insertable<TokenReservationsTable>;
