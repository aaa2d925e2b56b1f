import type { TRPCRouterRecord } from '@trpc/server';
import { cacheStatus } from './cache-status.ts';
import { health } from './health.ts';
import { invalidateCache } from './invalidate-cache.ts';
import { logs } from './logs.ts';
import { recentErrors } from './recent-errors.ts';
import { retryStats } from './retry-stats.ts';
import { tokenStatus } from './token-status.ts';
import { usage } from './usage.ts';
import { usageSummary } from './usage-summary.ts';

export const monitoringRouter = {
  health,
  tokenStatus,
  usageSummary,
  usage,
  recentErrors,
  retryStats,
  cacheStatus,
  invalidateCache,
  logs,
} satisfies TRPCRouterRecord;
