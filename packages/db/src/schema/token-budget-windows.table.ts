import type { Insertable, Selectable } from 'kysely';
import type { DateTimeColumn, Defaulted, IdColumn } from './column-types.ts';

/**
 * One closed budget window of a key with a budget period (migration 0006): what it spent when its
 * window was reset, plus what holds in flight at that moment charged into it when they settled.
 * The key's current window lives in TokenUsageSummary; these rows are the history.
 */
export interface TokenBudgetWindowsTable {
  WindowID: IdColumn;
  TokenID: number;
  WindowStart: DateTimeColumn;
  /** The reset boundary (the window's NextResetAt); holds open at the reset carry it. */
  WindowEnd: DateTimeColumn;
  /** Tokens charged in the window, including what a rotation carried into it. */
  TokensUsed: Defaulted<number>;
  RequestCount: Defaulted<number>;
  /** The part of TokensUsed carried from the key this one was rotated from (no usage rows of its own). */
  CarriedTokens: Defaulted<number>;
  TokenLimit: Defaulted<number>;
  ClosedAt: DateTimeColumn;
}

export type TokenBudgetWindowRow = Selectable<TokenBudgetWindowsTable>;
export type NewTokenBudgetWindowRow = Insertable<TokenBudgetWindowsTable>;
