import { sql } from 'kysely';
import { type DbHandle, inTransaction } from '../db-handle.ts';
import type { NewTokenUsageLogRow } from '../schema/token-usage-logs.table.ts';
import { chargeClosedWindow } from './budget-windows.repository.ts';
import { compiledOnce } from './compiled-once.ts';
import { firstReturned, outputColumns, returningColumns, toIso, toNum } from './row-values.ts';
import { insertReservation } from './token-reservations.repository.ts';
import { insertUsageLog } from './token-usage-logs.repository.ts';
import { ensureSummary } from './token-usage-summary.repository.ts';

// The quota ledger's statements. Every change to a token's figures is one conditional UPDATE,
// so concurrent requests on any number of processes can never spend past a limit.

/** What key selection needs to know about one key of a company. */
export interface CompanyKeyState {
  tokenId: number;
  status: string;
  expiresAt: string | null;
  cooldownUntil: string | null;
  retiresAt: string | null;
  totalTokenLimit: number;
  usedTokens: number;
  reservedTokens: number;
  hasSummary: boolean;
  /** When the key's budget window ends (null: no budget period); a window past it is reset before use. */
  nextResetAt: string | null;
  /**
   * The stored key text (sealed, or a legacy plaintext), only when asked for: key selection opens
   * the key it reserved without a second read of TokenMaster. Never logged, never returned.
   */
  storedKey?: string;
}

/** Every non-removed key of a company with its figures (a key added by hand may lack a summary row). */
export async function listCompanyKeyStates(
  handle: DbHandle,
  companyId: string,
  options: { storedKey?: boolean } = {},
): Promise<CompanyKeyState[]> {
  const { rows } = await companyKeysCompiled(handle, {
    companyId,
    // Undefined leaves ApiKey out: a second compiled shape, not a parameter.
    storedKey: options.storedKey === true ? true : undefined,
  });
  return rows.map((r) => ({
    tokenId: r.TokenID,
    status: r.Status,
    expiresAt: toIso(r.ExpiresAt),
    cooldownUntil: toIso(r.CooldownUntil),
    retiresAt: toIso(r.RetiresAt),
    totalTokenLimit: toNum(r.TotalTokenLimit),
    usedTokens: toNum(r.TotalUsedTokens),
    reservedTokens: toNum(r.ReservedTokens),
    hasSummary: r.SummaryID !== null,
    nextResetAt: toIso(r.NextResetAt),
    ...(r.ApiKey === undefined ? {} : { storedKey: r.ApiKey }),
  }));
}

/** Every request's read of its company's keys: compiled once (compiled-once.ts). */
const companyKeysCompiled = compiledOnce((handle, v: { companyId: string; storedKey?: true | undefined }) =>
  handle.db
    .selectFrom('TokenMaster as t')
    .leftJoin('TokenUsageSummary as s', 's.TokenID', 't.TokenID')
    .select([
      't.TokenID',
      't.Status',
      't.ExpiresAt',
      't.CooldownUntil',
      't.RetiresAt',
      't.TotalTokenLimit',
      's.TotalUsedTokens',
      's.ReservedTokens',
      's.SummaryID',
      's.NextResetAt',
    ])
    .$if(v.storedKey !== undefined, (q) => q.select('t.ApiKey'))
    .where('t.CompanyID', '=', v.companyId)
    .where('t.DeletedAt', 'is', null)
    .orderBy('t.TokenID'),
);

export interface ReserveRequest {
  tokenId: number;
  companyId: string;
  requestId: string;
  tokens: number;
  now: Date;
  expiresAt: Date;
  instanceId: string;
  /** False when the caller knows the key has no summary row yet (a key inserted by hand in SQL). */
  hasSummary?: boolean;
  /**
   * Set when the provider call follows at once (nothing awaited in between): the hold is taken
   * already marked dispatched, which saves the separate mark (markReservationDispatched).
   */
  dispatchedAt?: Date | undefined;
}

class NotReserved extends Error {}

/**
 * Holds `tokens` of the key's quota for one request, or returns null when the key cannot
 * cover it (or is no longer Active, not expired, not cooling down, not retiring). The hold and
 * its reservation row are one transaction; the check-and-add is one UPDATE.
 */
export async function reserveOnToken(handle: DbHandle, request: ReserveRequest): Promise<number | null> {
  if (request.hasSummary !== true) {
    // Two first requests on a key inserted by hand can race to create its summary row: the
    // loser's unique-key error only means the row is there now.
    await ensureSummary(handle, request.tokenId).catch(() => undefined);
  }
  try {
    return await inTransaction(handle, async (trx) => {
      // The reservation row first: every ledger transaction takes the reservation, then the summary.
      const reservationId = await insertReservation(trx, {
        TokenID: request.tokenId,
        CompanyID: request.companyId,
        RequestID: request.requestId,
        ReservedTokens: request.tokens,
        InstanceID: request.instanceId,
        CreatedAt: request.now,
        ExpiresAt: request.expiresAt,
        // Left out (not null) when not dispatched: the same insert as before migration 0005.
        ...(request.dispatchedAt ? { DispatchedAt: request.dispatchedAt } : {}),
      });
      const held = (
        await reserveCompiled(trx, { tokenId: request.tokenId, tokens: request.tokens, now: request.now })
      ).rows[0];
      if (!held) throw new NotReserved();
      return reservationId;
    });
  } catch (error) {
    if (error instanceof NotReserved) return null;
    throw error;
  }
}

/** reserveStatement compiled once (compiled-once.ts): its values pass through untouched. */
const reserveCompiled = compiledOnce(reserveStatement);

/**
 * The conditional UPDATE … OUTPUT (RETURNING on SQLite) at the heart of the ledger. Compiled
 * once with stand-ins for its values (compiled-once.ts): use them as values only.
 */
export function reserveStatement(
  handle: DbHandle,
  request: Pick<ReserveRequest, 'tokenId' | 'tokens' | 'now'>,
) {
  const db = handle.db;
  const limit = db
    .selectFrom('TokenMaster as t')
    .select('t.TotalTokenLimit')
    .where('t.TokenID', '=', request.tokenId)
    .where('t.Status', '=', 'Active')
    .where('t.DeletedAt', 'is', null)
    .where('t.RetiresAt', 'is', null)
    .where((eb) => eb.or([eb('t.ExpiresAt', 'is', null), eb('t.ExpiresAt', '>', request.now)]))
    .where((eb) => eb.or([eb('t.CooldownUntil', 'is', null), eb('t.CooldownUntil', '<=', request.now)]));
  const update = db
    .updateTable('TokenUsageSummary')
    .set({
      ReservedTokens: sql`${sql.ref('ReservedTokens')} + ${request.tokens}`,
      LastUpdated: request.now,
    })
    .where('TokenID', '=', request.tokenId)
    .where(
      sql<boolean>`${sql.ref('TotalUsedTokens')} + ${sql.ref('ReservedTokens')} + ${request.tokens} <= ${limit}`,
    );
  return handle.kind === 'mssql'
    ? update.output(outputColumns('inserted', ['ReservedTokens', 'TotalUsedTokens']))
    : update.returning(['ReservedTokens', 'TotalUsedTokens']);
}

export interface SettleRequest {
  tokenId: number;
  /** null when the reservation was already released (or there was none). */
  reservationId: number | null;
  /** The usage row to record (what the provider reported); null when nothing was charged. */
  usage: Omit<NewTokenUsageLogRow, 'TokenID' | 'LoggedAt'> | null;
  now: Date;
}

export interface SettleResult {
  released: number;
  charged: number;
  usageId: number | null;
  totalTokenLimit: number;
  usedTokens: number;
  reservedTokens: number;
  threshold: number;
  thresholdWarnedAt: string | null;
}

/**
 * Releases the hold and charges what was really used, in one transaction: the usage row, the
 * running totals and the release can only happen together. A hold the sweeper already
 * released is not released twice; the usage is still charged.
 */
export async function settleOnToken(handle: DbHandle, request: SettleRequest): Promise<SettleResult> {
  const charged = request.usage ? Math.max(0, Math.trunc(Number(request.usage.TotalTokensUsed ?? 0))) : 0;
  return inTransaction(handle, async (trx) => {
    const hold =
      request.reservationId === null
        ? undefined
        : await deleteReservationReturning(trx, request.reservationId);
    const released = hold?.tokens ?? 0;
    // A hold that is gone although this call still had it was swept; if the sweeper charged it as
    // presumed usage, the real usage replaces that row instead of being charged a second time.
    const presumed =
      request.reservationId !== null && released === 0 && request.usage?.RequestID
        ? await takePresumedRow(trx, request.tokenId, request.usage.RequestID)
        : undefined;
    const usageId = request.usage
      ? await insertUsageLog(trx, {
          ...request.usage,
          TokenID: request.tokenId,
          TotalTokensUsed: charged,
          LoggedAt: request.now,
        })
      : null;
    const after = await chargeInWindow(
      trx,
      request.tokenId,
      hold?.windowEnd ?? null,
      released,
      charged - (presumed ?? 0),
      usageId !== null && presumed === undefined,
      request.now,
    );
    return { released, charged, usageId, ...after };
  });
}

/** Deletes the latest presumed usage row of one request on one key; returns its tokens. */
async function takePresumedRow(
  handle: DbHandle,
  tokenId: number,
  requestId: string,
): Promise<number | undefined> {
  const row = await handle.db
    .selectFrom('TokenUsageLogs')
    .select(['UsageID', 'TotalTokensUsed'])
    .where('TokenID', '=', tokenId)
    .where('RequestID', '=', requestId)
    .where('Outcome', '=', 'presumed')
    .orderBy('UsageID', 'desc')
    .executeTakeFirst();
  if (!row) return undefined;
  await handle.db.deleteFrom('TokenUsageLogs').where('UsageID', '=', row.UsageID).execute();
  return toNum(row.TotalTokensUsed);
}

/** Releases an abandoned hold (the sweeper). Returns what it held, or null if already gone. */
export async function releaseReservation(
  handle: DbHandle,
  reservationId: number,
  now: Date,
): Promise<{ tokenId: number; released: number } | null> {
  return inTransaction(handle, async (trx) => {
    const row = await deleteReservationReturning(trx, reservationId);
    if (!row) return null;
    await applyCharge(trx, row.tokenId, row.tokens, 0, false, now);
    return { tokenId: row.tokenId, released: row.tokens };
  });
}

/** The descriptive columns of a presumed usage row: the attempt knows them, the sweeper does not. */
export type PresumedUsageDetails = Pick<
  NewTokenUsageLogRow,
  'Branch' | 'RequestedBy' | 'Model' | 'LatencyMs'
>;

/** A hold ended by a presumed charge or a release, with what it was held for. */
export interface HoldSettleResult extends SettleResult {
  tokenId: number;
  companyId: string;
  requestId: string;
}

/**
 * Charges a dispatched hold in full as presumed usage: its call got no answer (a timeout, an
 * abort, a lost connection), yet the provider may have billed it, and the hold is the most it
 * can have cost. So the charge never passes the key's limit: it only moves the hold from
 * reserved to used. Release, usage row (Outcome 'presumed', PresumedTokens = the hold) and
 * totals in one transaction. Null when the hold is gone (settled or swept): nothing is charged twice.
 */
export async function presumeReservation(
  handle: DbHandle,
  request: { reservationId: number; usage?: PresumedUsageDetails; now: Date },
): Promise<HoldSettleResult | null> {
  return inTransaction(handle, async (trx) => {
    const hold = await takeReservation(trx, request.reservationId);
    return hold ? chargePresumed(trx, hold, request.usage ?? {}, request.now) : null;
  });
}

export interface AbandonedHoldResult extends HoldSettleResult {
  /** True when its call had been dispatched: charged in full as presumed usage; false: released. */
  presumed: boolean;
}

/**
 * Ends a hold its request will never settle (its process died, or is shutting down): one whose
 * call was dispatched is charged in full as presumed usage, since the provider may have billed
 * it; one never dispatched is released. One transaction; null when the hold is already gone.
 */
export async function settleAbandonedReservation(
  handle: DbHandle,
  reservationId: number,
  now: Date,
): Promise<AbandonedHoldResult | null> {
  return inTransaction(handle, async (trx) => {
    const hold = await takeReservation(trx, reservationId);
    if (!hold) return null;
    if (hold.dispatchedAt !== null) return { ...(await chargePresumed(trx, hold, {}, now)), presumed: true };
    const after = await applyCharge(trx, hold.tokenId, hold.tokens, 0, false, now);
    return {
      tokenId: hold.tokenId,
      companyId: hold.companyId,
      requestId: hold.requestId,
      released: hold.tokens,
      charged: 0,
      usageId: null,
      ...after,
      presumed: false,
    };
  });
}

interface TakenReservation {
  tokenId: number;
  companyId: string;
  requestId: string;
  tokens: number;
  dispatchedAt: string | null;
  /** Set when its key's budget window was reset while it was open: it settles into that window. */
  windowEnd: string | null;
}

/** Deletes a hold and returns all it was, or undefined when it is gone: the row count is the race guard. */
async function takeReservation(
  handle: DbHandle,
  reservationId: number,
): Promise<TakenReservation | undefined> {
  const del = handle.db.deleteFrom('TokenReservations').where('ReservationID', '=', reservationId);
  const row = await firstReturned(handle, 'TokenReservations', del, 'deleted', [
    'TokenID',
    'CompanyID',
    'RequestID',
    'ReservedTokens',
    'DispatchedAt',
    'BudgetWindowEnd',
  ]);
  return (
    row && {
      tokenId: toNum(row.TokenID),
      companyId: row.CompanyID,
      requestId: row.RequestID,
      tokens: toNum(row.ReservedTokens),
      dispatchedAt: toIso(row.DispatchedAt),
      windowEnd: toIso(row.BudgetWindowEnd),
    }
  );
}

/** The usage row and the totals of a presumed charge, inside the caller's transaction (the hold already taken). */
async function chargePresumed(
  trx: DbHandle,
  hold: TakenReservation,
  details: PresumedUsageDetails,
  now: Date,
): Promise<HoldSettleResult> {
  const usageId = await insertUsageLog(trx, {
    ...details,
    TokenID: hold.tokenId,
    CompanyID: hold.companyId,
    RequestID: hold.requestId,
    TotalTokensUsed: hold.tokens,
    PresumedTokens: hold.tokens,
    Outcome: 'presumed',
    LoggedAt: now,
  });
  const after = await chargeInWindow(trx, hold.tokenId, hold.windowEnd, hold.tokens, hold.tokens, true, now);
  return {
    tokenId: hold.tokenId,
    companyId: hold.companyId,
    requestId: hold.requestId,
    released: hold.tokens,
    charged: hold.tokens,
    usageId,
    ...after,
  };
}

async function deleteReservationReturning(
  handle: DbHandle,
  reservationId: number,
): Promise<{ tokenId: number; tokens: number; windowEnd: string | null } | undefined> {
  const del = handle.db.deleteFrom('TokenReservations').where('ReservationID', '=', reservationId);
  const row = await firstReturned(handle, 'TokenReservations', del, 'deleted', [
    'TokenID',
    'ReservedTokens',
    'BudgetWindowEnd',
  ]);
  return (
    row && {
      tokenId: toNum(row.TokenID),
      tokens: toNum(row.ReservedTokens),
      windowEnd: toIso(row.BudgetWindowEnd),
    }
  );
}

/**
 * The budget-window rule: a hold that was open when its key's window was reset (windowEnd set)
 * was counted in that closed window, so its charge goes there, and only its release touches the
 * key's current figures; any other charge goes to the current window, as without a period.
 */
async function chargeInWindow(
  handle: DbHandle,
  tokenId: number,
  windowEnd: string | null,
  released: number,
  charged: number,
  countRequest: boolean,
  now: Date,
) {
  const intoClosed =
    windowEnd !== null &&
    (await chargeClosedWindow(handle, { tokenId, windowEnd, tokens: charged, countRequest }));
  return intoClosed
    ? applyCharge(handle, tokenId, released, 0, false, now)
    : applyCharge(handle, tokenId, released, charged, countRequest, now);
}

async function applyCharge(
  handle: DbHandle,
  tokenId: number,
  released: number,
  charged: number,
  countRequest: boolean,
  now: Date,
) {
  const { rows } = await chargeCompiled(handle, {
    tokenId,
    released,
    charged,
    requests: countRequest ? 1 : 0,
    // Undefined leaves LastUsedAt alone: a second compiled shape, not a parameter.
    lastUsedAt: charged > 0 || countRequest ? now : undefined,
    now,
  });
  const row = rows[0];
  if (!row) throw new Error(`token ${tokenId} has no usage summary row`);
  const usedTokens = toNum(row.TotalUsedTokens);
  return {
    totalTokenLimit: toNum(row.TotalRemainingTokens) + usedTokens,
    usedTokens,
    reservedTokens: toNum(row.ReservedTokens),
    threshold: toNum(row.Threshold),
    thresholdWarnedAt: toIso(row.ThresholdWarnedAt),
  };
}

/** The running totals' UPDATE of every charge and release, compiled once (compiled-once.ts). */
const chargeCompiled = compiledOnce(
  (
    handle,
    v: {
      tokenId: number;
      released: number;
      charged: number;
      requests: number;
      lastUsedAt?: Date | undefined;
      now: Date;
    },
  ) => {
    const db = handle.db;
    const limit = db
      .selectFrom('TokenMaster as t')
      .select('t.TotalTokenLimit')
      .where('t.TokenID', '=', v.tokenId);
    const update = db
      .updateTable('TokenUsageSummary')
      .set({
        ReservedTokens: sql`${sql.ref('ReservedTokens')} - ${v.released}`,
        TotalUsedTokens: sql`${sql.ref('TotalUsedTokens')} + ${v.charged}`,
        TotalRemainingTokens: sql`${limit} - (${sql.ref('TotalUsedTokens')} + ${v.charged})`,
        RequestCount: sql`${sql.ref('RequestCount')} + ${v.requests}`,
        ...(v.lastUsedAt === undefined ? {} : { LastUsedAt: v.lastUsedAt }),
        LastUpdated: v.now,
      })
      .where('TokenID', '=', v.tokenId);
    return returningColumns(handle, 'TokenUsageSummary', update, 'inserted', [
      'TotalUsedTokens',
      'ReservedTokens',
      'Threshold',
      'ThresholdWarnedAt',
      'TotalRemainingTokens',
    ]);
  },
);

/** Marks the below-threshold warning as given; true for exactly one caller. */
export async function claimThresholdWarning(handle: DbHandle, tokenId: number, now: Date): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenUsageSummary')
    .set({ ThresholdWarnedAt: now })
    .where('TokenID', '=', tokenId)
    .where('ThresholdWarnedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Re-arms the warning (after a limit raise). */
export async function clearThresholdWarning(handle: DbHandle, tokenId: number): Promise<void> {
  await handle.db
    .updateTable('TokenUsageSummary')
    .set({ ThresholdWarnedAt: null })
    .where('TokenID', '=', tokenId)
    .execute();
}

/**
 * Changes a key's status only if it is still in one of `from`; true when this call changed it.
 * Automatic transitions use it so two processes never both record the same change.
 */
export async function transitionTokenStatus(
  handle: DbHandle,
  tokenId: number,
  from: readonly string[],
  to: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenMaster')
    .set({ Status: to, StatusReason: reason, UpdatedAt: now })
    .where('TokenID', '=', tokenId)
    .where('Status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Recomputes TotalRemainingTokens after a limit change. */
export async function refreshRemaining(handle: DbHandle, tokenId: number, now: Date): Promise<void> {
  const limit = handle.db
    .selectFrom('TokenMaster as t')
    .select('t.TotalTokenLimit')
    .where('t.TokenID', '=', tokenId);
  await handle.db
    .updateTable('TokenUsageSummary')
    .set({ TotalRemainingTokens: sql`${limit} - ${sql.ref('TotalUsedTokens')}`, LastUpdated: now })
    .where('TokenID', '=', tokenId)
    .execute();
}

/** Active keys whose ExpiresAt or RetiresAt has passed: what the periodic sweep turns Expired / Disabled. */
export async function listLapsedActiveKeys(
  handle: DbHandle,
  now: Date,
): Promise<Array<{ tokenId: number; expired: boolean; retired: boolean }>> {
  const rows = await handle.db
    .selectFrom('TokenMaster')
    .select(['TokenID', 'ExpiresAt', 'RetiresAt'])
    .where('Status', '=', 'Active')
    .where('DeletedAt', 'is', null)
    .where((eb) => eb.or([eb('ExpiresAt', '<=', now), eb('RetiresAt', '<=', now)]))
    .execute();
  // Each reason is checked on its own: a row can match the text comparison on SQLite without
  // being due (an ISO year past 9999 sorts first), and must then be left alone, not retired.
  const passed = (at: Date | string | null) => at !== null && Date.parse(toIso(at)) <= now.getTime();
  return rows.map((r) => ({
    tokenId: r.TokenID,
    expired: passed(r.ExpiresAt),
    retired: passed(r.RetiresAt),
  }));
}

export interface LedgerViolation {
  tokenId: number;
  rule: string;
  detail: string;
}

/**
 * The four ledger invariants, checked straight against the tables: used <= limit,
 * used = Σ usage rows (of the current budget window, on a key with a period), remaining = limit - used,
 * reserved = Σ open reservations.
 */
export async function findLedgerViolations(handle: DbHandle): Promise<LedgerViolation[]> {
  const db = handle.db;
  const rows = await db
    .selectFrom('TokenUsageSummary as s')
    .innerJoin('TokenMaster as t', 't.TokenID', 's.TokenID')
    .select([
      's.TokenID',
      't.TotalTokenLimit',
      's.TotalUsedTokens',
      's.TotalRemainingTokens',
      's.ReservedTokens',
      (eb) =>
        eb
          .selectFrom('TokenUsageLogs as u')
          .select(sql<string | number | null>`cast(sum(${sql.ref('u.TotalTokensUsed')}) as bigint)`.as('n'))
          .whereRef('u.TokenID', '=', 's.TokenID')
          .as('LoggedTokens'),
      // Usage rows past their retention live on, folded, in the archive.
      (eb) =>
        eb
          .selectFrom('TokenUsageArchive as a')
          .select(sql<string | number | null>`cast(sum(${sql.ref('a.TotalTokensUsed')}) as bigint)`.as('n'))
          .whereRef('a.TokenID', '=', 's.TokenID')
          .as('ArchivedTokens'),
      (eb) =>
        eb
          .selectFrom('TokenReservations as r')
          .select(sql<string | number | null>`cast(sum(${sql.ref('r.ReservedTokens')}) as bigint)`.as('n'))
          .whereRef('r.TokenID', '=', 's.TokenID')
          .as('OpenReservations'),
      // Budget windows: what closed windows were charged (less what rotations carried into them).
      (eb) =>
        eb
          .selectFrom('TokenBudgetWindows as w')
          .select(
            sql<
              string | number | null
            >`cast(sum(${sql.ref('w.TokensUsed')} - ${sql.ref('w.CarriedTokens')}) as bigint)`.as('n'),
          )
          .whereRef('w.TokenID', '=', 's.TokenID')
          .as('ClosedWindowTokens'),
      's.CarriedTokens',
    ])
    .orderBy('s.TokenID')
    .execute();
  const violations: LedgerViolation[] = [];
  for (const r of rows) {
    const limit = toNum(r.TotalTokenLimit);
    const used = toNum(r.TotalUsedTokens);
    // A key with a budget period: the usage rows of its closed windows are not in `used`, and
    // what a rotation carried into its window has no usage row on this key.
    const logged =
      toNum(r.LoggedTokens) + toNum(r.ArchivedTokens) - toNum(r.ClosedWindowTokens) + toNum(r.CarriedTokens);
    const open = toNum(r.OpenReservations);
    const add = (rule: string, detail: string) => violations.push({ tokenId: r.TokenID, rule, detail });
    if (used > limit) add('used <= limit', `used ${used} > limit ${limit}`);
    if (used !== logged) add('used = sum(usage logs)', `used ${used}, logged ${logged}`);
    if (toNum(r.TotalRemainingTokens) !== limit - used)
      add('remaining = limit - used', `remaining ${r.TotalRemainingTokens}, limit ${limit}, used ${used}`);
    if (toNum(r.ReservedTokens) !== open)
      add('reserved = sum(open reservations)', `reserved ${r.ReservedTokens}, open ${open}`);
  }
  return violations;
}
