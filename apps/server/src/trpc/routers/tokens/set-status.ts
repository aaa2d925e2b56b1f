import { setTokenStatus as setStatus } from '@invoicegw/core';
import { TOKEN_STATUSES } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const setTokenStatusInput = z.object({
  tokenId: TokenId,
  status: z.enum(TOKEN_STATUSES),
  reason: Reason,
});

export const setTokenStatus = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/{tokenId}/status',
      summary: 'Set a key status',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND', 'INVALID_INPUT'],
    }),
  )
  .input(setTokenStatusInput)
  .output(TokenViewSchema)
  .mutation(({ ctx, input }) =>
    setStatus(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId, input.status),
  );
