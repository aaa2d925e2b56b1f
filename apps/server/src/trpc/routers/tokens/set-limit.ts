import { setTokenLimit as setLimit } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const setTokenLimitInput = z.object({
  tokenId: TokenId,
  totalTokenLimit: z.number().int().min(0),
  threshold: z.number().int().min(0).optional(),
  reason: Reason,
});

export const setTokenLimit = adminProcedure.input(setTokenLimitInput).mutation(({ ctx, input }) =>
  setLimit(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId, {
    totalTokenLimit: input.totalTokenLimit,
    ...(input.threshold === undefined ? {} : { threshold: input.threshold }),
  }),
);
