import { readTokenStatus } from '@invoicegw/db';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';

export const tokenStatusInput = z.object({ companyId: z.string().trim().min(1).max(50).optional() });

/** vw_TokenStatus: every key's figures and health. */
export const tokenStatus = adminProcedure
  .input(tokenStatusInput)
  .query(({ ctx, input }) => readTokenStatus(ctx.deps.core.db, input.companyId));
