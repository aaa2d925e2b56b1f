import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DateTimeColumn, Defaulted, IdColumn, NullableDateTimeColumn } from './column-types.ts';

export const TOKEN_STATUSES = ['Active', 'Expired', 'Exceeded', 'Disabled', 'Invalid'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const BUDGET_PERIODS = ['none', 'daily', 'weekly', 'monthly'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** One Gemini API key of one company. ApiKey holds an encrypted envelope (legacy rows: plaintext). */
export interface TokenMasterTable {
  TokenID: IdColumn;
  CompanyID: string;
  CompanyName: string | null;
  ApiKey: string;
  /** Masked display form such as `AIza…FnM`; never enough to use the key. */
  KeyHint: string | null;
  /** SHA-256 of the key (hex); unique, so one key cannot be registered twice. */
  KeyHash: string | null;
  Provider: Defaulted<string>;
  TotalTokenLimit: Defaulted<number>;
  Status: Defaulted<string>;
  StatusReason: string | null;
  ExpiresAt: NullableDateTimeColumn;
  /** Set on a key that is being rotated out: it serves in-flight requests until then. */
  RetiresAt: NullableDateTimeColumn;
  /** Set when the provider says the key's daily quota is spent; skipped until then. */
  CooldownUntil: NullableDateTimeColumn;
  RotatedFromTokenID: number | null;
  /** none | daily | weekly | monthly (migration 0006): when TotalTokenLimit starts over. */
  BudgetPeriod: Defaulted<string>;
  /** IANA time zone whose midnight starts a budget window (migration 0006). */
  BudgetTimeZone: Defaulted<string>;
  /** When the provider was last asked about the key (migration 0008). */
  LastVerifiedAt: NullableDateTimeColumn;
  /** What it said: `state code: reason` (ok OK, rejected API_KEY_INVALID: …); never the key. */
  LastVerifyResult: string | null;
  /** Soft removal: history stays, the key is never selected again. */
  DeletedAt: NullableDateTimeColumn;
  CreatedAt: DateTimeColumn;
  UpdatedAt: NullableDateTimeColumn;
}

export type TokenMasterRow = Selectable<TokenMasterTable>;
export type NewTokenMasterRow = Insertable<TokenMasterTable>;
export type TokenMasterUpdate = Updateable<TokenMasterTable>;
