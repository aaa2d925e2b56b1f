import { listTokenViews } from '@invoicegw/core';
import { TOKEN_STATUSES } from '@invoicegw/db';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';

export const listTokensInput = z.object({
  companyId: z.string().trim().min(1).max(50).optional(),
  status: z.enum(TOKEN_STATUSES).optional(),
  includeRemoved: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
});

export const listTokens = adminProcedure.input(listTokensInput).query(({ ctx, input }) =>
  listTokenViews(ctx.deps.core.db, {
    ...(input.companyId ? { companyId: input.companyId } : {}),
    ...(input.status ? { statuses: [input.status] } : {}),
    includeDeleted: input.includeRemoved ?? false,
  }),
);
