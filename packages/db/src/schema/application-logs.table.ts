import type { Insertable, Selectable } from 'kysely';
import type { DateTimeColumn, IdColumn } from './column-types.ts';

export interface ApplicationLogsTable {
  LogID: IdColumn;
  Timestamp: DateTimeColumn;
  LogLevel: string | null;
  Logger: string | null;
  Message: string | null;
  Exception: string | null;
  Module: string | null;
  FunctionName: string | null;
  LineNumber: number | null;
  RequestID: string | null;
  CompanyID: string | null;
  /** Structured fields of the log record as JSON (already redacted). */
  Context: string | null;
}

export type ApplicationLogRow = Selectable<ApplicationLogsTable>;
export type NewApplicationLogRow = Insertable<ApplicationLogsTable>;
