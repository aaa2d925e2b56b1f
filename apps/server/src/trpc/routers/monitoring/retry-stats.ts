import { readFailedRetries, retryStats as stats } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { IsoDateTime } from '../tokens/token-inputs.ts';
import { RetryStatsSchema } from './monitoring-outputs.ts';

export const retryStatsInput = z.object({
  companyId: z.string().trim().min(1).max(50).optional(),
  since: IsoDateTime.optional(),
});

/** Failed attempts by error code, and the requests that gave up (vw_FailedRetries). */
export const retryStats = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/retry-stats',
      summary: 'Failed attempts by error, and vw_FailedRetries',
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .input(retryStatsInput)
  .output(RetryStatsSchema)
  .query(async ({ ctx, input }) => ({
    byError: await stats(ctx.deps.core.db, {
      ...(input.companyId ? { companyId: input.companyId } : {}),
      ...(input.since ? { since: new Date(input.since) } : {}),
    }),
    failedRequests: await readFailedRetries(ctx.deps.core.db),
  }));
