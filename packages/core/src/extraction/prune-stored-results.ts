import { type PeriodicJob, startPeriodicJob } from '../periodic-job.ts';
import type { ExtractionDeps } from './extract-invoice.ts';

/** Rows deleted at most per table in one pass, so a pass stays short and holds its locks briefly. */
export const DEFAULT_PRUNE_MAX_ROWS = 500;

export interface PruneResult {
  cacheRows: number;
  idempotencyRows: number;
}

/**
 * Deletes result-cache rows past their TTL (and beyond the configured number of entries) and
 * idempotency records past theirs (results past the TTL, claims whose claimer died), at most
 * `maxRows` each. A store that fails is logged and skipped; the other is still pruned.
 */
export async function pruneStoredResults(
  deps: ExtractionDeps,
  maxRows: number = DEFAULT_PRUNE_MAX_ROWS,
): Promise<PruneResult> {
  const now = deps.now();
  const result: PruneResult = { cacheRows: 0, idempotencyRows: 0 };
  const { cache, idempotency } = deps.runtime;
  try {
    result.cacheRows = (await cache.prune?.(now, maxRows)) ?? 0;
  } catch (error) {
    deps.logger.log('ERROR', 'extraction', `Could not prune the result cache: ${(error as Error).message}`);
  }
  try {
    result.idempotencyRows = (await idempotency.prune?.(now, maxRows)) ?? 0;
  } catch (error) {
    deps.logger.log(
      'ERROR',
      'extraction',
      `Could not prune idempotency records: ${(error as Error).message}`,
    );
  }
  return result;
}

/** Prunes now and then every `intervalMs` until stopped, one pass at a time; never keeps the process alive. */
export function startStoredResultPruner(
  deps: ExtractionDeps,
  intervalMs: number,
  maxRows: number = DEFAULT_PRUNE_MAX_ROWS,
): PeriodicJob<PruneResult> {
  // pruneStoredResults logs each store's failure itself and never rejects.
  return startPeriodicJob(
    () => pruneStoredResults(deps, maxRows),
    intervalMs,
    () => undefined,
  );
}
