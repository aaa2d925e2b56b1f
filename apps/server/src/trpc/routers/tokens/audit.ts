import { auditTrail } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { Offset, TokenId } from './token-inputs.ts';
import { AuditEntrySchema } from './token-outputs.ts';

export const tokenAuditInput = z.object({
  tokenId: TokenId.optional(),
  companyId: z.string().trim().min(1).max(50).optional(),
  action: z.string().trim().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: Offset.default(0),
});

export const tokenAudit = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/audit',
      summary: 'The audit trail of key changes, newest first',
      tag: 'tokens',
      auth: 'admin',
    }),
  )
  .input(tokenAuditInput)
  .output(z.array(AuditEntrySchema))
  .query(({ ctx, input }) =>
    auditTrail(
      ctx.deps.core,
      {
        ...(input.tokenId === undefined ? {} : { tokenId: input.tokenId }),
        ...(input.companyId === undefined ? {} : { companyId: input.companyId }),
        ...(input.action === undefined ? {} : { action: input.action }),
      },
      { limit: input.limit, offset: input.offset },
    ),
  );
