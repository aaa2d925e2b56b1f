import { type RawBuilder, sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import { paged, toNum } from './row-values.ts';

/** One line of a usage export: the usage of one key, branch and user of a company on one UTC day. */
export interface UsageExportRow {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  companyId: string;
  tokenId: number;
  keyHint: string | null;
  branch: string;
  requestedBy: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
  cachedTokens: number;
  /** Σ TotalTokensUsed: what the ledger charged. */
  totalTokens: number;
  /** The part of totalTokens charged as presumed usage (answers that never came). */
  presumedTokens: number;
}

/** Where the previous page ended: the next page starts after this group. */
export type UsageExportCursor = Pick<
  UsageExportRow,
  'day' | 'companyId' | 'tokenId' | 'branch' | 'requestedBy'
>;

export interface UsageExportFilter {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  companyId?: string;
}

// The group key, one expression per column, written the same in SELECT, GROUP BY and the
// keyset WHERE (no parameters in them: SQL Server matches GROUP BY expressions by text).
// Old rows may lack CompanyID (the key's company is used), Branch or RequestedBy.
const company = sql<string>`coalesce(${sql.ref('u.CompanyID')}, ${sql.ref('t.CompanyID')}, '')`;
const branch = sql<string>`coalesce(${sql.ref('u.Branch')}, '')`;
const user = sql<string>`coalesce(${sql.ref('u.RequestedBy')}, '')`;
const day = (handle: DbHandle): RawBuilder<string> =>
  handle.kind === 'mssql'
    ? sql<string>`convert(char(10), ${sql.ref('u.LoggedAt')}, 23)`
    : sql<string>`substr(${sql.ref('u.LoggedAt')}, 1, 10)`;

/**
 * The usage rows and, past their retention, the archived ones (one per key, company, branch,
 * user and day, dated by its first row), so an export of any period totals what was charged.
 */
function usageRows(handle: DbHandle) {
  const live = handle.db
    .selectFrom('TokenUsageLogs')
    .select([
      'TokenID',
      'CompanyID',
      'Branch',
      'RequestedBy',
      'LoggedAt',
      'RequestCount',
      'InputTokens',
      'OutputTokens',
      'ThoughtsTokens',
      'CachedTokens',
      'TotalTokensUsed',
      'PresumedTokens',
    ]);
  const archived = handle.db
    .selectFrom('TokenUsageArchive')
    .select([
      'TokenID',
      'CompanyID',
      'Branch',
      'RequestedBy',
      'FirstLoggedAt as LoggedAt',
      'RequestCount',
      'InputTokens',
      'OutputTokens',
      'ThoughtsTokens',
      sql<number>`0`.as('CachedTokens'),
      'TotalTokensUsed',
      'PresumedTokens',
    ]);
  return live.unionAll(archived);
}

const sum = (column: string, alias: string) =>
  sql<string | number>`cast(sum(${sql.ref(`u.${column}`)}) as bigint)`.as(alias);

/**
 * One page of the export, ordered by day, company, key, branch and user, starting after
 * `after`: keyset pages, so each page costs the same however deep the export is. The keyset
 * is on row columns (a whole group shares them), so it filters rows before they are grouped,
 * and a day already passed is skipped by LoggedAt alone.
 */
export async function usageExportPage(
  handle: DbHandle,
  filter: UsageExportFilter,
  after: UsageExportCursor | undefined,
  limit: number,
): Promise<UsageExportRow[]> {
  const dayKey = day(handle);
  let query = handle.db
    .selectFrom(usageRows(handle).as('u'))
    .leftJoin('TokenMaster as t', 't.TokenID', 'u.TokenID')
    .where('u.LoggedAt', '>=', filter.from)
    .where('u.LoggedAt', '<', filter.to);
  if (filter.companyId !== undefined) query = query.where(company, '=', filter.companyId);
  if (after) {
    const dayStart = new Date(`${after.day}T00:00:00.000Z`);
    const nextDay = new Date(dayStart.getTime() + 86_400_000);
    query = query.where((eb) =>
      eb.or([
        eb('u.LoggedAt', '>=', nextDay),
        eb.and([
          eb('u.LoggedAt', '>=', dayStart),
          eb('u.LoggedAt', '<', nextDay),
          eb.or([
            eb(company, '>', after.companyId),
            eb.and([
              eb(company, '=', after.companyId),
              eb.or([
                eb('u.TokenID', '>', after.tokenId),
                eb.and([
                  eb('u.TokenID', '=', after.tokenId),
                  eb.or([
                    eb(branch, '>', after.branch),
                    eb.and([eb(branch, '=', after.branch), eb(user, '>', after.requestedBy)]),
                  ]),
                ]),
              ]),
            ]),
          ]),
        ]),
      ]),
    );
  }
  const grouped = query
    .select([
      dayKey.as('Day'),
      company.as('CompanyKey'),
      'u.TokenID as TokenID',
      sql<string | null>`max(${sql.ref('t.KeyHint')})`.as('KeyHint'),
      branch.as('BranchKey'),
      user.as('UserKey'),
      sum('RequestCount', 'Requests'),
      sum('InputTokens', 'InputTokens'),
      sum('OutputTokens', 'OutputTokens'),
      sum('ThoughtsTokens', 'ThoughtsTokens'),
      sum('CachedTokens', 'CachedTokens'),
      sum('TotalTokensUsed', 'TotalTokens'),
      sum('PresumedTokens', 'PresumedTokens'),
    ])
    .groupBy([dayKey, company, 'u.TokenID', branch, user])
    .orderBy(dayKey)
    .orderBy(company)
    .orderBy('u.TokenID')
    .orderBy(branch)
    .orderBy(user);
  // `paged` is typed for plain tables; the aliased join pages the same way.
  const page = paged(handle, grouped as unknown as Parameters<typeof paged>[1], { limit });
  const rows = await (page as unknown as typeof grouped).execute();
  return rows.map((r) => ({
    day: String(r.Day),
    companyId: String(r.CompanyKey),
    tokenId: Number(r.TokenID),
    keyHint: r.KeyHint ?? null,
    branch: String(r.BranchKey),
    requestedBy: String(r.UserKey),
    requests: toNum(r.Requests),
    inputTokens: toNum(r.InputTokens),
    outputTokens: toNum(r.OutputTokens),
    thoughtsTokens: toNum(r.ThoughtsTokens),
    cachedTokens: toNum(r.CachedTokens),
    totalTokens: toNum(r.TotalTokens),
    presumedTokens: toNum(r.PresumedTokens),
  }));
}
