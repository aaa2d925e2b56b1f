import { setTokenLimit as setLimit } from '@invoicegw/core';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const setTokenLimitInput = z.object({
  tokenId: TokenId,
  totalTokenLimit: z.number().int().min(0),
  threshold: z.number().int().min(0).optional(),
  reason: Reason,
});

export const setTokenLimit = adminProcedure.input(setTokenLimitInput).mutation(({ ctx, input }) =>
  setLimit(
    ctx.deps.core,
    { actor: ctx.actor, reason: input.reason, requestId: ctx.requestId },
    input.tokenId,
    {
      totalTokenLimit: input.totalTokenLimit,
      ...(input.threshold === undefined ? {} : { threshold: input.threshold }),
    },
  ),
);
