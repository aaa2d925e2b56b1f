import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { ApplicationLogRow, NewApplicationLogRow } from '../schema/application-logs.table.ts';
import { chunksFor, clip, type Page, paged, toIso, toNum } from './row-values.ts';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ApplicationLog {
  logId: number;
  timestamp: string;
  level: string | null;
  logger: string | null;
  message: string | null;
  exception: string | null;
  module: string | null;
  functionName: string | null;
  lineNumber: number | null;
  requestId: string | null;
  companyId: string | null;
  context: unknown;
}

function toApplicationLog(row: ApplicationLogRow): ApplicationLog {
  let context: unknown = null;
  if (row.Context !== null) {
    try {
      context = JSON.parse(row.Context);
    } catch {
      context = row.Context;
    }
  }
  return {
    logId: row.LogID,
    timestamp: toIso(row.Timestamp),
    level: row.LogLevel,
    logger: row.Logger,
    message: row.Message,
    exception: row.Exception,
    module: row.Module,
    functionName: row.FunctionName,
    lineNumber: row.LineNumber,
    requestId: row.RequestID,
    companyId: row.CompanyID,
    context,
  };
}

const LOG_COLUMN_COUNT = 12;

/** Inserts a batch of log rows in as few statements as the engine allows. */
export async function insertApplicationLogs(
  handle: DbHandle,
  rows: readonly NewApplicationLogRow[],
): Promise<void> {
  const now = new Date();
  for (const chunk of chunksFor(rows, LOG_COLUMN_COUNT)) {
    await handle.db
      .insertInto('ApplicationLogs')
      .values(
        chunk.map((r) => ({
          Timestamp: r.Timestamp ?? now,
          LogLevel: clip(r.LogLevel ?? null, 20),
          Logger: clip(r.Logger ?? null, 255),
          Message: r.Message ?? null,
          Exception: r.Exception ?? null,
          Module: clip(r.Module ?? null, 255),
          FunctionName: clip(r.FunctionName ?? null, 255),
          LineNumber: r.LineNumber ?? null,
          RequestID: clip(r.RequestID ?? null, 64),
          CompanyID: clip(r.CompanyID ?? null, 50),
          Context: r.Context ?? null,
        })),
      )
      .execute();
  }
}

export interface LogFilter {
  levels?: readonly string[];
  companyId?: string;
  requestId?: string;
  logger?: string;
  since?: Date;
  until?: Date;
  /** Substring of the message. */
  search?: string;
  /** Only rows with a LogID above this (for `logs --follow`). */
  afterId?: number;
}

/** Newest first (oldest first when following with afterId). */
export async function listApplicationLogs(
  handle: DbHandle,
  filter: LogFilter,
  page: Page,
): Promise<ApplicationLog[]> {
  let query = handle.db.selectFrom('ApplicationLogs').selectAll();
  if (filter.levels?.length) query = query.where('LogLevel', 'in', [...filter.levels]);
  if (filter.companyId !== undefined) query = query.where('CompanyID', '=', filter.companyId);
  if (filter.requestId !== undefined) query = query.where('RequestID', '=', filter.requestId);
  if (filter.logger !== undefined) query = query.where('Logger', '=', filter.logger);
  if (filter.since !== undefined) query = query.where('Timestamp', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('Timestamp', '<', filter.until);
  if (filter.search) {
    query = query.where(
      sql<boolean>`${sql.ref('Message')} like ${`%${escapeLike(filter.search)}%`} escape '\\'`,
    );
  }
  if (filter.afterId !== undefined) {
    query = query.where('LogID', '>', filter.afterId).orderBy('LogID', 'asc');
  } else {
    query = query.orderBy('Timestamp', 'desc').orderBy('LogID', 'desc');
  }
  const rows = await paged(handle, query, page).execute();
  return rows.map(toApplicationLog);
}

/** The checklist's `SELECT LogLevel, COUNT(*) FROM ApplicationLogs GROUP BY LogLevel`. */
export async function countLogsByLevel(handle: DbHandle, since?: Date): Promise<Record<string, number>> {
  let query = handle.db
    .selectFrom('ApplicationLogs')
    .select(['LogLevel', sql<number>`count(*)`.as('n')])
    .groupBy('LogLevel');
  if (since) query = query.where('Timestamp', '>=', since);
  const rows = await query.execute();
  return Object.fromEntries(rows.map((r) => [r.LogLevel ?? 'NONE', toNum(r.n)]));
}

/** Wildcards in user text match themselves (`[` is one on SQL Server; SQLite takes `\[` as `[`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_[]/g, (c) => `\\${c}`);
}
