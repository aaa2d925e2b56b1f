import { sql } from 'kysely';
import { type DbHandle, inTransaction } from '../db-handle.ts';
import { firstReturned, outputColumns, toIso, toNum } from './row-values.ts';

// Periodic budgets (migration 0006). The current window's figures are the key's TokenUsageSummary
// row; a reset closes it into TokenBudgetWindows and starts the next with one conditional UPDATE,
// so of any number of processes resetting the same window at once exactly one does it.

/** A key's budget window as the ledger keeps it. */
export interface BudgetWindowState {
  tokenId: number;
  /** null: the key has no budget period (its figures never start over). */
  windowStartedAt: string | null;
  nextResetAt: string | null;
  /** Tokens of this window charged on the key it was rotated from. */
  carriedTokens: number;
}

/** The window state of one key, or of every key of a company; keys without a summary row are absent. */
export async function listBudgetWindowStates(
  handle: DbHandle,
  filter: { tokenId?: number; companyId?: string } = {},
): Promise<BudgetWindowState[]> {
  let query = handle.db
    .selectFrom('TokenUsageSummary as s')
    .innerJoin('TokenMaster as t', 't.TokenID', 's.TokenID')
    .select(['s.TokenID', 's.WindowStartedAt', 's.NextResetAt', 's.CarriedTokens']);
  if (filter.tokenId !== undefined) query = query.where('s.TokenID', '=', filter.tokenId);
  if (filter.companyId !== undefined) query = query.where('t.CompanyID', '=', filter.companyId);
  const rows = await query.orderBy('s.TokenID').execute();
  return rows.map((r) => ({
    tokenId: r.TokenID,
    windowStartedAt: toIso(r.WindowStartedAt),
    nextResetAt: toIso(r.NextResetAt),
    carriedTokens: toNum(r.CarriedTokens),
  }));
}

/** Keys (not removed) whose window has ended: what the sweeper resets. */
export async function listDueBudgetWindows(
  handle: DbHandle,
  now: Date,
): Promise<Array<{ tokenId: number; nextResetAt: string }>> {
  const rows = await handle.db
    .selectFrom('TokenUsageSummary as s')
    .innerJoin('TokenMaster as t', 't.TokenID', 's.TokenID')
    .select(['s.TokenID', 's.NextResetAt'])
    .where('s.NextResetAt', 'is not', null)
    .where('s.NextResetAt', '<=', now)
    .where('t.DeletedAt', 'is', null)
    .orderBy('s.TokenID')
    .execute();
  // As in listLapsedActiveKeys: SQLite compares text, so the instant is checked again here.
  return rows.flatMap((r) => {
    const at = toIso(r.NextResetAt);
    return at !== null && Date.parse(at) <= now.getTime() ? [{ tokenId: r.TokenID, nextResetAt: at }] : [];
  });
}

/**
 * Sets or clears a key's window without closing it (an operator set or changed its period): the
 * figures so far count in the window that starts at `windowStartedAt`. null clears it: the key's
 * figures never start over again, as without a period.
 */
export async function setBudgetWindow(
  handle: DbHandle,
  tokenId: number,
  window: { windowStartedAt: Date; nextResetAt: Date } | null,
  now: Date,
): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenUsageSummary')
    .set({
      WindowStartedAt: window?.windowStartedAt ?? null,
      NextResetAt: window?.nextResetAt ?? null,
      LastUpdated: now,
    })
    .where('TokenID', '=', tokenId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface ResetWindowRequest {
  tokenId: number;
  /** The NextResetAt this caller saw: the end of the window it closes. */
  boundary: Date;
  /** The start and end of the window that follows. */
  windowStartedAt: Date;
  nextResetAt: Date;
  now: Date;
}

export interface ClosedWindow {
  windowId: number;
  tokenId: number;
  windowStart: string;
  windowEnd: string;
  tokensUsed: number;
  requestCount: number;
  carriedTokens: number;
  tokenLimit: number;
  /** Holds open at the reset: counted in the closed window, they settle into it. */
  holdsInFlight: number;
}

class LostReset extends Error {}

/**
 * Closes the key's window that ends at `boundary` and starts the next, in one transaction: the
 * open holds are marked with the closed window (they settle into it), the summary's figures are
 * archived and zeroed by one UPDATE conditional on NextResetAt = boundary, and the closed window
 * is inserted. Null when another caller reset this window first (or it is not due): nothing changed.
 */
export async function resetBudgetWindow(
  handle: DbHandle,
  request: ResetWindowRequest,
): Promise<ClosedWindow | null> {
  try {
    return await inTransaction(handle, async (trx) => {
      // Holds first, then the summary: the lock order of every ledger transaction.
      const marked = await trx.db
        .updateTable('TokenReservations')
        .set({ BudgetWindowEnd: request.boundary })
        .where('TokenID', '=', request.tokenId)
        .where('BudgetWindowEnd', 'is', null)
        .executeTakeFirst();
      const closed = await zeroWindow(trx, request);
      // Lost the race (or the window moved): the marks above are rolled back with the rest.
      if (!closed) throw new LostReset();
      const row = {
        TokenID: request.tokenId,
        WindowStart: closed.windowStartedAt ?? request.boundary,
        WindowEnd: request.boundary,
        TokensUsed: closed.used,
        RequestCount: closed.requests,
        CarriedTokens: closed.carried,
        TokenLimit: closed.limit,
        ClosedAt: request.now,
      };
      const inserted = await firstReturned(
        trx,
        'TokenBudgetWindows',
        trx.db.insertInto('TokenBudgetWindows').values(row),
        'inserted',
        ['WindowID'],
      );
      return {
        windowId: toNum(inserted?.WindowID),
        tokenId: request.tokenId,
        windowStart: toIso(row.WindowStart),
        windowEnd: toIso(row.WindowEnd),
        tokensUsed: row.TokensUsed,
        requestCount: row.RequestCount,
        carriedTokens: row.CarriedTokens,
        tokenLimit: row.TokenLimit,
        holdsInFlight: Number(marked.numUpdatedRows),
      };
    });
  } catch (error) {
    if (error instanceof LostReset) return null;
    throw error;
  }
}

/** The closed window's figures, read and zeroed atomically; undefined when NextResetAt is no longer `boundary`. */
async function zeroWindow(
  trx: DbHandle,
  request: ResetWindowRequest,
): Promise<
  | { used: number; requests: number; carried: number; limit: number; windowStartedAt: Date | string | null }
  | undefined
> {
  const limit = trx.db
    .selectFrom('TokenMaster as t')
    .select('t.TotalTokenLimit')
    .where('t.TokenID', '=', request.tokenId);
  const update = trx.db
    .updateTable('TokenUsageSummary')
    .set({
      TotalUsedTokens: 0,
      CarriedTokens: 0,
      RequestCount: 0,
      TotalRemainingTokens: sql`${limit}`,
      ThresholdWarnedAt: null,
      WindowStartedAt: request.windowStartedAt,
      NextResetAt: request.nextResetAt,
      LastUpdated: request.now,
    })
    .where('TokenID', '=', request.tokenId)
    .where('NextResetAt', '=', request.boundary);
  if (trx.kind === 'mssql') {
    // OUTPUT deleted.* gives the figures as they were when this UPDATE took the row's lock: no
    // charge can land between reading them and zeroing them.
    const row = (await update
      .output([
        ...outputColumns('deleted', ['TotalUsedTokens', 'RequestCount', 'CarriedTokens', 'WindowStartedAt']),
        ...outputColumns('inserted', ['TotalRemainingTokens']),
      ])
      .executeTakeFirst()) as
      | {
          TotalUsedTokens: number | string;
          RequestCount: number | string;
          CarriedTokens: number | string;
          WindowStartedAt: Date | string | null;
          TotalRemainingTokens: number | string;
        }
      | undefined;
    return (
      row && {
        used: toNum(row.TotalUsedTokens),
        requests: toNum(row.RequestCount),
        carried: toNum(row.CarriedTokens),
        limit: toNum(row.TotalRemainingTokens),
        windowStartedAt: row.WindowStartedAt,
      }
    );
  }
  // SQLite's RETURNING shows only new values; its transactions are BEGIN IMMEDIATE (one writer),
  // so the row read here is the row the UPDATE then zeroes.
  const before = await trx.db
    .selectFrom('TokenUsageSummary')
    .select(['TotalUsedTokens', 'RequestCount', 'CarriedTokens', 'WindowStartedAt'])
    .where('TokenID', '=', request.tokenId)
    .where('NextResetAt', '=', request.boundary)
    .executeTakeFirst();
  if (!before) return undefined;
  const after = await update.returning(['TotalRemainingTokens']).executeTakeFirst();
  return (
    after && {
      used: toNum(before.TotalUsedTokens),
      requests: toNum(before.RequestCount),
      carried: toNum(before.CarriedTokens),
      limit: toNum(after.TotalRemainingTokens),
      windowStartedAt: before.WindowStartedAt,
    }
  );
}

/**
 * Charges a hold that was open when its key's window was reset into the closed window it was
 * counted in (inside the settle's transaction). False when that window row is gone: the caller
 * charges the current window instead, so the tokens are never lost.
 */
export async function chargeClosedWindow(
  handle: DbHandle,
  request: { tokenId: number; windowEnd: Date | string; tokens: number; countRequest: boolean },
): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenBudgetWindows')
    .set({
      TokensUsed: sql`${sql.ref('TokensUsed')} + ${request.tokens}`,
      RequestCount: sql`${sql.ref('RequestCount')} + ${request.countRequest ? 1 : 0}`,
    })
    .where('TokenID', '=', request.tokenId)
    .where('WindowEnd', '=', request.windowEnd)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * What a rotation carries to the new key of a key with a budget period: the same window, and
 * what the old key spent (and holds) of it as the new key's used figure.
 */
export async function carryBudgetWindow(
  handle: DbHandle,
  request: { tokenId: number; windowStartedAt: Date; nextResetAt: Date; carriedTokens: number; now: Date },
): Promise<boolean> {
  const limit = handle.db
    .selectFrom('TokenMaster as t')
    .select('t.TotalTokenLimit')
    .where('t.TokenID', '=', request.tokenId);
  const result = await handle.db
    .updateTable('TokenUsageSummary')
    .set({
      WindowStartedAt: request.windowStartedAt,
      NextResetAt: request.nextResetAt,
      TotalUsedTokens: sql`${sql.ref('TotalUsedTokens')} + ${request.carriedTokens}`,
      CarriedTokens: sql`${sql.ref('CarriedTokens')} + ${request.carriedTokens}`,
      TotalRemainingTokens: sql`${limit} - (${sql.ref('TotalUsedTokens')} + ${request.carriedTokens})`,
      LastUpdated: request.now,
    })
    .where('TokenID', '=', request.tokenId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface BudgetWindowEntry {
  windowId: number;
  tokenId: number;
  windowStart: string;
  windowEnd: string;
  tokensUsed: number;
  requestCount: number;
  carriedTokens: number;
  tokenLimit: number;
  closedAt: string;
}

/** A key's closed windows, newest first. */
export async function listClosedBudgetWindows(
  handle: DbHandle,
  tokenId: number,
  limit = 50,
): Promise<BudgetWindowEntry[]> {
  let query = handle.db
    .selectFrom('TokenBudgetWindows')
    .selectAll()
    .where('TokenID', '=', tokenId)
    .orderBy('WindowEnd', 'desc');
  query = handle.kind === 'mssql' ? query.top(limit) : query.limit(limit);
  const rows = await query.execute();
  return rows.map((r) => ({
    windowId: r.WindowID,
    tokenId: r.TokenID,
    windowStart: toIso(r.WindowStart),
    windowEnd: toIso(r.WindowEnd),
    tokensUsed: toNum(r.TokensUsed),
    requestCount: toNum(r.RequestCount),
    carriedTokens: toNum(r.CarriedTokens),
    tokenLimit: toNum(r.TokenLimit),
    closedAt: toIso(r.ClosedAt),
  }));
}
