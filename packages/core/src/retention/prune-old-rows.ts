import {
  archiveUsageBefore,
  countRowsBefore,
  deleteRowsBefore,
  RETENTION_TABLES,
  type RetentionTable,
} from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { type PeriodicJob, startPeriodicJob } from '../periodic-job.ts';
import type { RetentionPolicy } from './retention-policy.ts';

export interface PruneOptions {
  dryRun?: boolean;
  /** Only these tables (default: every one with a retention). */
  tables?: readonly RetentionTable[];
  /** Rows per statement: small, so each batch holds its locks briefly. */
  batchSize?: number;
  /** Batches per table in one pass; the next pass goes on where this one stopped. */
  maxBatches?: number;
  /** Pause between batches, letting other writers in. */
  pauseMs?: number;
}

export interface TablePrune {
  table: RetentionTable;
  /** 0: kept forever, nothing pruned. */
  retentionDays: number;
  cutoff: string | null;
  /** Rows older than the cutoff before this pass. */
  olderThanCutoff: number;
  deleted: number;
  batches: number;
}

export const DEFAULT_PRUNE_BATCH = 500;

/**
 * Deletes rows older than each table's retention, oldest first, in batches of `batchSize`
 * rows, each batch its own short statement (usage rows are folded into TokenUsageArchive in the
 * same short transaction, so no total changes). A dry run only counts. A table that fails is
 * logged and reported with what was done; the others go on.
 */
export async function pruneOldRows(
  deps: Pick<CoreDeps, 'db' | 'now' | 'logger'>,
  policy: RetentionPolicy,
  options: PruneOptions = {},
): Promise<TablePrune[]> {
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH;
  const maxBatches = options.maxBatches ?? 200;
  const tables = options.tables ?? (Object.keys(RETENTION_TABLES) as RetentionTable[]);
  const report: TablePrune[] = [];
  for (const table of tables) {
    const days = policy[table];
    const entry: TablePrune = {
      table,
      retentionDays: days,
      cutoff: null,
      olderThanCutoff: 0,
      deleted: 0,
      batches: 0,
    };
    report.push(entry);
    if (days === 0) continue;
    const cutoff = new Date(deps.now().getTime() - days * 86_400_000);
    entry.cutoff = cutoff.toISOString();
    try {
      entry.olderThanCutoff = await countRowsBefore(deps.db, table, cutoff);
      if (options.dryRun) continue;
      while (entry.deleted < entry.olderThanCutoff && entry.batches < maxBatches) {
        const n =
          table === 'TokenUsageLogs'
            ? await archiveUsageBefore(deps.db, cutoff, batchSize, deps.now())
            : await deleteRowsBefore(deps.db, table, cutoff, batchSize);
        entry.batches += 1;
        entry.deleted += n;
        if (n < batchSize) break;
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
    } catch (error) {
      deps.logger.log('ERROR', 'retention', `Could not prune ${table}: ${(error as Error).message}`, {
        table,
        deleted: entry.deleted,
      });
    }
  }
  const deleted = report.reduce((s, t) => s + t.deleted, 0);
  if (deleted > 0 && !options.dryRun)
    deps.logger.log(
      'INFO',
      'retention',
      `Pruned ${report
        .filter((t) => t.deleted > 0)
        .map((t) => `${t.deleted} ${t.table}`)
        .join(', ')} older than their retention`,
      { report },
    );
  return report;
}

/** Prunes now and then every `intervalMs` until stopped, one pass at a time; never keeps the process alive. */
export function startRetentionPruner(
  deps: Pick<CoreDeps, 'db' | 'now' | 'logger'>,
  policy: RetentionPolicy,
  intervalMs: number,
  options: PruneOptions = { pauseMs: 50 },
): PeriodicJob<TablePrune[]> {
  // The first pass waits one interval: a start-up is busy enough, and logs are not urgent.
  return startPeriodicJob(
    () => pruneOldRows(deps, policy, options),
    intervalMs,
    (error) => deps.logger.log('ERROR', 'retention', `Retention pass failed: ${(error as Error).message}`),
    'after-interval',
  );
}
