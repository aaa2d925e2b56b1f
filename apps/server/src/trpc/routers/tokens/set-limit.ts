import { setTokenLimit as setLimit } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenCount, TokenId } from './token-inputs.ts';

export const setTokenLimitInput = z.object({
  tokenId: TokenId,
  totalTokenLimit: TokenCount,
  threshold: TokenCount.optional(),
  reason: Reason,
});

export const setTokenLimit = adminProcedure.input(setTokenLimitInput).mutation(({ ctx, input }) =>
  setLimit(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId, {
    totalTokenLimit: input.totalTokenLimit,
    ...(input.threshold === undefined ? {} : { threshold: input.threshold }),
  }),
);
