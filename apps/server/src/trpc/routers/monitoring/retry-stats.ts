import { readFailedRetries, retryStats as stats } from '@invoicegw/db';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';
import { IsoDateTime } from '../tokens/token-inputs.ts';

export const retryStatsInput = z.object({
  companyId: z.string().trim().min(1).max(50).optional(),
  since: IsoDateTime.optional(),
});

/** Failed attempts by error code, and the requests that gave up (vw_FailedRetries). */
export const retryStats = adminProcedure.input(retryStatsInput).query(async ({ ctx, input }) => ({
  byError: await stats(ctx.deps.core.db, {
    ...(input.companyId ? { companyId: input.companyId } : {}),
    ...(input.since ? { since: new Date(input.since) } : {}),
  }),
  failedRequests: await readFailedRetries(ctx.deps.core.db),
}));
