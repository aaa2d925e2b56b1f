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
  /** success | blocked | failed | invalid_output | cached */
  Outcome: string | null;
  LatencyMs: number | null;
  LoggedAt: DateTimeColumn;
}

export type TokenUsageLogRow = Selectable<TokenUsageLogsTable>;
export type NewTokenUsageLogRow = Insertable<TokenUsageLogsTable>;
