import { sql } from 'kysely';
import { type DbHandle, inTransaction } from '../db-handle.ts';

/** The tables retention prunes, each with its key and the date its age is measured by. */
export const RETENTION_TABLES = {
  ApplicationLogs: { id: 'LogID', at: 'Timestamp' },
  RetryAttempts: { id: 'RetryID', at: 'Timestamp' },
  TokenUsageLogs: { id: 'UsageID', at: 'LoggedAt' },
  AuditLog: { id: 'AuditID', at: 'CreatedAt' },
  AlertDeliveries: { id: 'DeliveryID', at: 'AttemptedAt' },
} as const;

export type RetentionTable = keyof typeof RETENTION_TABLES;

/** How many rows of `table` are older than `cutoff`. */
export async function countRowsBefore(
  handle: DbHandle,
  table: RetentionTable,
  cutoff: Date,
): Promise<number> {
  const { at } = RETENTION_TABLES[table];
  const row = await handle.db
    .selectFrom(table)
    .select(sql<number | string>`count(*)`.as('n'))
    .where(sql.ref(at), '<', cutoff)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The keys of the oldest `max` rows older than `cutoff`: one batch, read through the date index. */
function oldestBatch(handle: DbHandle, table: RetentionTable, cutoff: Date, max: number) {
  const { id, at } = RETENTION_TABLES[table];
  const query = handle.db
    .selectFrom(table)
    .select(sql.ref(id).as('id'))
    .where(sql.ref(at), '<', cutoff)
    .orderBy(sql.ref(at))
    .orderBy(sql.ref(id));
  return handle.kind === 'mssql' ? query.top(max) : query.limit(max);
}

/**
 * Deletes up to `max` of the oldest rows older than `cutoff` in one statement, so each batch
 * locks few rows briefly (SQL Server escalates to a table lock near 5,000). Usage rows go
 * through `archiveUsageBefore` instead.
 */
export async function deleteRowsBefore(
  handle: DbHandle,
  table: Exclude<RetentionTable, 'TokenUsageLogs'>,
  cutoff: Date,
  max: number,
): Promise<number> {
  const { id } = RETENTION_TABLES[table];
  const result = await handle.db
    .deleteFrom(table)
    .where(sql.ref(id), 'in', oldestBatch(handle, table, cutoff, max))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Midnight UTC of a usage row's day, in each engine's date type. */
function usageDay(handle: DbHandle) {
  return handle.kind === 'mssql'
    ? sql`cast(cast(${sql.ref('LoggedAt')} as date) as datetime2(3))`
    : sql`substr(${sql.ref('LoggedAt')}, 1, 10) || 'T00:00:00.000Z'`;
}

/**
 * Folds up to `max` of the oldest usage rows older than `cutoff` into TokenUsageArchive (per
 * key, company, branch, user and day) and deletes them, in one short transaction: the usage
 * view and exports read both tables, so no total changes. Returns how many rows went.
 */
export async function archiveUsageBefore(
  handle: DbHandle,
  cutoff: Date,
  max: number,
  now: Date,
): Promise<number> {
  return inTransaction(handle, async (trx) => {
    const ids = (await oldestBatch(trx, 'TokenUsageLogs', cutoff, max).execute()).map((r) => Number(r.id));
    if (ids.length === 0) return 0;
    const day = usageDay(trx);
    const sum = (column: string) => sql<number>`sum(${sql.ref(column)})`;
    await trx.db
      .insertInto('TokenUsageArchive')
      .columns([
        'TokenID',
        'CompanyID',
        'Branch',
        'RequestedBy',
        'UsageDay',
        'RequestCount',
        'InputTokens',
        'OutputTokens',
        'ThoughtsTokens',
        'TotalTokensUsed',
        'PresumedTokens',
        'FirstLoggedAt',
        'LastLoggedAt',
        'ArchivedAt',
      ])
      .expression(
        trx.db
          .selectFrom('TokenUsageLogs')
          .select([
            'TokenID',
            'CompanyID',
            'Branch',
            'RequestedBy',
            day.as('UsageDay'),
            sum('RequestCount').as('RequestCount'),
            sum('InputTokens').as('InputTokens'),
            sum('OutputTokens').as('OutputTokens'),
            sum('ThoughtsTokens').as('ThoughtsTokens'),
            sum('TotalTokensUsed').as('TotalTokensUsed'),
            sum('PresumedTokens').as('PresumedTokens'),
            sql`min(${sql.ref('LoggedAt')})`.as('FirstLoggedAt'),
            sql`max(${sql.ref('LoggedAt')})`.as('LastLoggedAt'),
            sql`${now}`.as('ArchivedAt'),
          ])
          .where('UsageID', 'in', ids)
          .groupBy(['TokenID', 'CompanyID', 'Branch', 'RequestedBy', day]),
      )
      .execute();
    const result = await trx.db.deleteFrom('TokenUsageLogs').where('UsageID', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}
