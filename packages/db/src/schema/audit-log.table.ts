import type { Insertable, Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

/** Who changed which token, when, and what it looked like before and after. Never the key itself. */
export interface AuditLogTable {
  AuditID: IdColumn;
  TokenID: number | null;
  CompanyID: string | null;
  Action: string;
  Actor: string;
  Reason: string | null;
  /** JSON snapshots of the token's non-secret fields. */
  BeforeJson: string | null;
  AfterJson: string | null;
  RequestID: string | null;
  CreatedAt: DateTimeColumn;
}

export type AuditLogRow = Selectable<AuditLogTable>;
export type NewAuditLogRow = Insertable<AuditLogTable>;
