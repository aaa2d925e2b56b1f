import { usageReport } from '@invoicegw/core';
import { USAGE_GROUPS } from '@invoicegw/db';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';
import { IsoDateTime, RowId } from '../tokens/token-inputs.ts';

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
export const usage = adminProcedure.input(usageInput).query(({ ctx, input }) =>
  usageReport(ctx.deps.core, input.groupBy, {
    ...(input.companyId ? { companyId: input.companyId } : {}),
    ...(input.tokenId ? { tokenId: input.tokenId } : {}),
    ...(input.branch ? { branch: input.branch } : {}),
    ...(input.user ? { requestedBy: input.user } : {}),
    ...(input.from ? { from: new Date(input.from) } : {}),
    ...(input.to ? { to: new Date(input.to) } : {}),
  }),
);
