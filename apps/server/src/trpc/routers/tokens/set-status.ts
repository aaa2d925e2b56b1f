import { setTokenStatus as setStatus } from '@invoicegw/core';
import { TOKEN_STATUSES } from '@invoicegw/db';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const setTokenStatusInput = z.object({
  tokenId: TokenId,
  status: z.enum(TOKEN_STATUSES),
  reason: Reason,
});

export const setTokenStatus = adminProcedure
  .input(setTokenStatusInput)
  .mutation(({ ctx, input }) =>
    setStatus(
      ctx.deps.core,
      { actor: ctx.actor, reason: input.reason, requestId: ctx.requestId },
      input.tokenId,
      input.status,
    ),
  );
