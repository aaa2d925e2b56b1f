import type { Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

/**
 * Usage rows past their retention, folded per key, branch, user and UTC day before they are
 * deleted, so every total (the usage views, exports) stays what it was.
 */
export interface TokenUsageArchiveTable {
  ArchiveID: IdColumn;
  TokenID: number;
  CompanyID: string | null;
  Branch: string;
  RequestedBy: string;
  /** Midnight UTC of the day the folded rows were logged. */
  UsageDay: DateTimeColumn;
  RequestCount: number;
  InputTokens: number;
  OutputTokens: number;
  ThoughtsTokens: number;
  TotalTokensUsed: number;
  PresumedTokens: number;
  FirstLoggedAt: DateTimeColumn;
  LastLoggedAt: DateTimeColumn;
  ArchivedAt: DateTimeColumn;
}

export type TokenUsageArchiveRow = Selectable<TokenUsageArchiveTable>;
