import type { Insertable, Selectable } from 'kysely';
import type { BitColumn, DateTimeColumn, IdColumn } from './column-types.ts';

/** One row per failed provider attempt, naming the key actually used. */
export interface RetryAttemptsTable {
  RetryID: IdColumn;
  TokenID: number | null;
  CompanyID: string | null;
  RequestID: string | null;
  Attempt: number | null;
  ErrorCode: string | null;
  HttpStatus: number | null;
  ErrorMessage: string | null;
  IsRetryable: BitColumn;
  /** 1 on the attempt after which the request gave up. */
  IsFinal: BitColumn;
  DelayMs: number | null;
  Timestamp: DateTimeColumn;
}

export type RetryAttemptRow = Selectable<RetryAttemptsTable>;
export type NewRetryAttemptRow = Insertable<RetryAttemptsTable>;
