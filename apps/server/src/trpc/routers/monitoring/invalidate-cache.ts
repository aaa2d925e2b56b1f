import { z } from 'zod';
import { invalidateCache as invalidate } from '../../../monitoring/cache-status.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { CacheInvalidatedSchema } from './monitoring-outputs.ts';

export const invalidateCacheInput = z.object({ companyId: z.string().trim().min(1).max(50).optional() });

/** Empties the result cache: one company's entries, or all. */
export const invalidateCache = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/monitoring/cache/invalidate',
      summary: "Empty the result cache (one company's entries, or all)",
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .input(invalidateCacheInput)
  .output(CacheInvalidatedSchema)
  .mutation(({ ctx, input }) => invalidate(ctx.deps, input.companyId));
