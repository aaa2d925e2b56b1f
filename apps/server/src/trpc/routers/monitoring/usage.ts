import { usageReport } from '@invoicegw/core';
import { USAGE_GROUPS } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { IsoDateTime, RowId } from '../tokens/token-inputs.ts';
import { UsageTotalSchema } from './monitoring-outputs.ts';

export const usageInput = z.object({
  groupBy: z.enum(USAGE_GROUPS),
  companyId: z.string().trim().min(1).max(50).optional(),
  tokenId: RowId.optional(),
  branch: z.string().trim().max(200).optional(),
  user: z.string().trim().max(200).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
});

/** Usage per company, key, branch, user or day, with optional filters. */
export const usage = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/usage',
      summary: 'Usage per company, key, branch, user or day',
      tag: 'monitoring',
      auth: 'admin',
      errors: ['INVALID_INPUT'],
    }),
  )
  .input(usageInput)
  .output(z.array(UsageTotalSchema))
  .query(({ ctx, input }) =>
    usageReport(ctx.deps.core, input.groupBy, {
      ...(input.companyId ? { companyId: input.companyId } : {}),
      ...(input.tokenId ? { tokenId: input.tokenId } : {}),
      ...(input.branch ? { branch: input.branch } : {}),
      ...(input.user ? { requestedBy: input.user } : {}),
      ...(input.from ? { from: new Date(input.from) } : {}),
      ...(input.to ? { to: new Date(input.to) } : {}),
    }),
  );
