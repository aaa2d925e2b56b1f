import { readTokenStatus } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { TokenStatusEntrySchema } from './monitoring-outputs.ts';

export const tokenStatusInput = z.object({ companyId: z.string().trim().min(1).max(50).optional() });

/** vw_TokenStatus: every key's figures and health. */
export const tokenStatus = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/token-status',
      summary: "vw_TokenStatus: every key's figures and health",
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .input(tokenStatusInput)
  .output(z.array(TokenStatusEntrySchema))
  .query(({ ctx, input }) => readTokenStatus(ctx.deps.core.db, input.companyId));
