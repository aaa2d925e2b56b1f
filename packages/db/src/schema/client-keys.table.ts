import type { Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn, NullableDateTimeColumn } from './column-types.ts';

/** Per-company keys that callers present to extract (when REQUIRE_CLIENT_KEYS=true). Stored hashed. */
export interface ClientKeysTable {
  ClientKeyID: IdColumn;
  CompanyID: string;
  /** SHA-256 of the key: the key itself is shown once, at creation. */
  KeyHash: string;
  KeyHint: string;
  Label: string | null;
  CreatedAt: DateTimeColumn;
  LastUsedAt: NullableDateTimeColumn;
  RevokedAt: NullableDateTimeColumn;
}

export type ClientKeyRow = Selectable<ClientKeysTable>;
