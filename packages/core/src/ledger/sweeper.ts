import { getToken, listExpiredReservationIds, listLapsedActiveKeys, releaseReservation } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { autoTransition } from './key-status.ts';

export interface SweepResult {
  released: number;
  releasedTokens: number;
  expired: number;
  retired: number;
}

/**
 * Releases holds whose process died (past their expiry), turns Active keys past ExpiresAt
 * into Expired, and disables rotated-out keys whose grace period is over.
 */
export async function sweepLedger(deps: CoreDeps): Promise<SweepResult> {
  const now = deps.now();
  const result: SweepResult = { released: 0, releasedTokens: 0, expired: 0, retired: 0 };
  for (;;) {
    const ids = await listExpiredReservationIds(deps.db, now, 200);
    let failed = 0;
    for (const id of ids) {
      try {
        const released = await releaseReservation(deps.db, id, now);
        if (released) {
          result.released += 1;
          result.releasedTokens += released.released;
        }
      } catch (error) {
        // One hold that cannot be released must not keep the sweeper from the others.
        failed += 1;
        deps.logger.log(
          'ERROR',
          'token-ledger',
          `Could not release reservation ${id}: ${(error as Error).message}`,
        );
      }
    }
    if (ids.length < 200 || failed === ids.length) break;
  }
  if (result.released > 0) {
    deps.logger.log(
      'WARNING',
      'token-ledger',
      `Released ${result.released} abandoned reservation(s) holding ${result.releasedTokens} tokens`,
    );
  }
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
    }
  }
  return result;
}

/** Sweeps now and then every `intervalMs` until stopped; never keeps the process alive. */
export function startLedgerSweeper(
  deps: CoreDeps,
  intervalMs: number,
): { ready: Promise<SweepResult>; stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = sweepLedger(deps).catch((error: unknown) => {
      deps.logger.log('ERROR', 'token-ledger', `Reservation sweep failed: ${(error as Error).message}`);
    });
    return running;
  };
  const ready = sweepLedger(deps);
  running = ready.catch(() => undefined);
  const timer = setInterval(() => void running.then(run), intervalMs);
  timer.unref();
  return {
    ready,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
