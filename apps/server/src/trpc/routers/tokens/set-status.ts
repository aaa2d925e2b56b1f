import { setTokenStatus as setStatus } from '@invoicegw/core';
import { TOKEN_STATUSES } from '@invoicegw/db';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const setTokenStatusInput = z.object({
  tokenId: TokenId,
  status: z.enum(TOKEN_STATUSES),
  reason: Reason,
});

export const setTokenStatus = adminProcedure
  .input(setTokenStatusInput)
  .mutation(({ ctx, input }) =>
    setStatus(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId, input.status),
  );
