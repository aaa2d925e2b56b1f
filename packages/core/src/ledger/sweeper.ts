import {
  getToken,
  listExpiredReservationIds,
  listLapsedActiveKeys,
  listReservationIdsOfInstance,
  settleAbandonedReservation,
} from '@invoicegw/db';
import { alertRotationGraceEnded } from '../alerts/key-alerts.ts';
import type { CoreDeps } from '../core-deps.ts';
import { type PeriodicJob, startPeriodicJob } from '../periodic-job.ts';
import { resetDueWindows } from './budget-window.ts';
import { autoTransition } from './key-status.ts';
import { afterCharge, type LedgerObserver } from './settle-lease.ts';

export interface SweepResult {
  released: number;
  releasedTokens: number;
  /** Holds whose call had been dispatched, charged in full as presumed usage. */
  presumed: number;
  presumedTokens: number;
  expired: number;
  retired: number;
  /** Keys whose budget window ended and was reset by this sweep. */
  windowsReset: number;
}

type SweepDeps = CoreDeps & { observer?: LedgerObserver | undefined };

/**
 * Ends holds whose process died (past their expiry): one whose call was dispatched is charged
 * in full as presumed usage (the provider may have billed it), any other released. Then turns
 * Active keys past ExpiresAt into Expired, and disables rotated-out keys whose grace period is over.
 */
export async function sweepLedger(deps: SweepDeps): Promise<SweepResult> {
  const now = deps.now();
  const result: SweepResult = {
    released: 0,
    releasedTokens: 0,
    presumed: 0,
    presumedTokens: 0,
    expired: 0,
    retired: 0,
    windowsReset: 0,
  };
  // Windows first: holds still open at a reset are marked with the window they were counted in.
  result.windowsReset = await resetDueWindows(deps);
  for (;;) {
    const ids = await listExpiredReservationIds(deps.db, now, 200);
    let failed = 0;
    for (const id of ids) {
      if (!(await endHold(deps, id, now, result))) failed += 1;
    }
    if (ids.length < 200 || failed === ids.length) break;
  }
  logEnded(deps, result, 'of dead processes');
  for (const lapsed of await listLapsedActiveKeys(deps.db, now)) {
    const token = await getToken(deps.db, lapsed.tokenId);
    if (!token) continue;
    const key = { tokenId: lapsed.tokenId, companyId: token.companyId };
    if (lapsed.expired) {
      if (await autoTransition(deps, key, ['Active'], 'Expired', 'ExpiresAt passed')) result.expired += 1;
    } else if (
      lapsed.retired &&
      (await autoTransition(deps, key, ['Active'], 'Disabled', 'rotated out: grace period over'))
    ) {
      result.retired += 1;
      await alertRotationGraceEnded(deps, key, token.retiresAt);
    }
  }
  return result;
}

/**
 * At shutdown, ends the holds this process still has (their requests can no longer settle):
 * a dispatched one is charged as presumed usage, any other released.
 */
export async function endInstanceHolds(
  deps: SweepDeps,
): Promise<Pick<SweepResult, 'released' | 'releasedTokens' | 'presumed' | 'presumedTokens'>> {
  const result = {
    released: 0,
    releasedTokens: 0,
    presumed: 0,
    presumedTokens: 0,
    expired: 0,
    retired: 0,
    windowsReset: 0,
  };
  const ids = await listReservationIdsOfInstance(deps.db, deps.ledger.instanceId);
  for (const id of ids) await endHold(deps, id, deps.now(), result);
  logEnded(deps, result, 'that could not settle before shutdown');
  return result;
}

/** Ends one hold; false when that failed (logged, and left for the next sweep). */
async function endHold(deps: SweepDeps, id: number, now: Date, result: SweepResult): Promise<boolean> {
  let ended: Awaited<ReturnType<typeof settleAbandonedReservation>>;
  try {
    ended = await settleAbandonedReservation(deps.db, id, now);
  } catch (error) {
    // One hold that cannot be ended must not keep the sweeper from the others.
    deps.logger.log('ERROR', 'token-ledger', `Could not end reservation ${id}: ${(error as Error).message}`);
    return false;
  }
  if (!ended) return true;
  if (!ended.presumed) {
    result.released += 1;
    result.releasedTokens += ended.released;
    return true;
  }
  result.presumed += 1;
  result.presumedTokens += ended.charged;
  deps.observer?.presumedCharge?.({ companyId: ended.companyId, tokens: ended.charged, source: 'sweep' });
  // The charge is committed; Exceeded and the threshold warning follow from it like any other.
  await afterCharge(deps, { ...ended, reservedTokens: ended.released }, ended).catch((error: unknown) =>
    deps.logger.log('ERROR', 'token-ledger', `After-charge bookkeeping failed: ${(error as Error).message}`, {
      tokenId: ended.tokenId,
      requestId: ended.requestId,
    }),
  );
  return true;
}

function logEnded(deps: CoreDeps, result: SweepResult, which: string): void {
  if (result.released > 0) {
    deps.logger.log(
      'WARNING',
      'token-ledger',
      `Released ${result.released} reservation(s) ${which}, holding ${result.releasedTokens} tokens`,
    );
  }
  if (result.presumed > 0) {
    deps.logger.log(
      'WARNING',
      'token-ledger',
      `Charged ${result.presumedTokens} tokens as presumed usage for ${result.presumed} reservation(s) ${which}: their provider calls were dispatched and never settled`,
    );
  }
}

/** Sweeps now and then every `intervalMs` until stopped; never keeps the process alive. */
export function startLedgerSweeper(deps: SweepDeps, intervalMs: number): PeriodicJob<SweepResult> {
  return startPeriodicJob(
    () => sweepLedger(deps),
    intervalMs,
    (error) =>
      deps.logger.log('ERROR', 'token-ledger', `Reservation sweep failed: ${(error as Error).message}`),
  );
}
