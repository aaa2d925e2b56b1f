import type { Selectable } from 'kysely';
import type { DateTimeColumn, Defaulted, IdColumn, NullableDateTimeColumn } from './column-types.ts';

/** Running totals, one row per token. Kept equal to the sum of TokenUsageLogs by the ledger. */
export interface TokenUsageSummaryTable {
  SummaryID: IdColumn;
  TokenID: number;
  TotalUsedTokens: Defaulted<number>;
  TotalRemainingTokens: Defaulted<number>;
  /** Sum of the open TokenReservations of this token. */
  ReservedTokens: Defaulted<number>;
  Threshold: Defaulted<number>;
  RequestCount: Defaulted<number>;
  LastUsedAt: NullableDateTimeColumn;
  /** When the below-threshold WARNING was logged, so it is logged once. */
  ThresholdWarnedAt: NullableDateTimeColumn;
  LastUpdated: DateTimeColumn;
  /**
   * The current budget window (migration 0006), null on a key without a budget period: the
   * figures above are this window's. The reset is one conditional UPDATE on NextResetAt.
   */
  WindowStartedAt: NullableDateTimeColumn;
  NextResetAt: NullableDateTimeColumn;
  /** The part of TotalUsedTokens a rotation carried from the previous key (no usage rows here). */
  CarriedTokens: Defaulted<number>;
}

export type TokenUsageSummaryRow = Selectable<TokenUsageSummaryTable>;
