import { z } from 'zod';
import { invalidateCache as invalidate } from '../../../monitoring/cache-status.ts';
import { adminProcedure } from '../../init.ts';

export const invalidateCacheInput = z.object({ companyId: z.string().trim().min(1).max(50).optional() });

/** Empties the result cache: one company's entries, or all. */
export const invalidateCache = adminProcedure
  .input(invalidateCacheInput)
  .mutation(({ ctx, input }) => invalidate(ctx.deps, input.companyId));
