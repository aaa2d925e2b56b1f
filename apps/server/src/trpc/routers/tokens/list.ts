import { listTokenViews } from '@invoicegw/core';
import { TOKEN_STATUSES } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const listTokensInput = z.object({
  companyId: z.string().trim().min(1).max(50).optional(),
  status: z.enum(TOKEN_STATUSES).optional(),
  includeRemoved: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
});

export const listTokens = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/tokens',
      summary: 'List keys (masked) with usage and health',
      tag: 'tokens',
      auth: 'admin',
    }),
  )
  .input(listTokensInput)
  .output(z.array(TokenViewSchema))
  .query(({ ctx, input }) =>
    listTokenViews(ctx.deps.core.db, {
      ...(input.companyId ? { companyId: input.companyId } : {}),
      ...(input.status ? { statuses: [input.status] } : {}),
      includeDeleted: input.includeRemoved ?? false,
    }),
  );
