import type { Insertable, Selectable } from 'kysely';
import type { DateTimeColumn, Defaulted, IdColumn } from './column-types.ts';

/** One row per provider call that was charged (successful or not). */
export interface TokenUsageLogsTable {
  UsageID: IdColumn;
  TokenID: number;
  CompanyID: string | null;
  RequestID: string | null;
  Branch: Defaulted<string>;
  RequestedBy: Defaulted<string>;
  InputTokens: Defaulted<number>;
  OutputTokens: Defaulted<number>;
  ThoughtsTokens: Defaulted<number>;
  TextPromptTokens: Defaulted<number>;
  ImagePromptTokens: Defaulted<number>;
  DocumentPromptTokens: Defaulted<number>;
  TextCandidatesTokens: Defaulted<number>;
  CachedTokens: Defaulted<number>;
  TotalTokensUsed: Defaulted<number>;
  RequestCount: Defaulted<number>;
  Model: string | null;
  /**
   * The part of TotalTokensUsed that is presumed, not reported (migration 0005): a dispatched call
   * whose answer never came (a timeout, a lost connection, a crash before the settle) is charged
   * its whole hold. Equal to TotalTokensUsed on an Outcome 'presumed' row, 0 on every other.
   */
  PresumedTokens: Defaulted<number>;
  /** success | blocked | failed | invalid_output | cached | presumed */
  Outcome: string | null;
  LatencyMs: number | null;
  LoggedAt: DateTimeColumn;
}

export type TokenUsageLogRow = Selectable<TokenUsageLogsTable>;
export type NewTokenUsageLogRow = Insertable<TokenUsageLogsTable>;
