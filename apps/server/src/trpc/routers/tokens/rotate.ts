import { rotateToken as rotate } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenCount, TokenId } from './token-inputs.ts';

export const rotateTokenInput = z.object({
  tokenId: TokenId,
  newApiKey: z.string().min(1).max(1000),
  graceSeconds: TokenCount.max(2_592_000).optional(),
  totalTokenLimit: TokenCount.optional(),
  reason: Reason,
});

export const rotateToken = adminProcedure.input(rotateTokenInput).mutation(({ ctx, input }) =>
  rotate(ctx.deps.core, actorOf(ctx, input.reason), {
    tokenId: input.tokenId,
    newApiKey: input.newApiKey,
    ...(input.graceSeconds === undefined ? {} : { graceSeconds: input.graceSeconds }),
    ...(input.totalTokenLimit === undefined ? {} : { totalTokenLimit: input.totalTokenLimit }),
  }),
);
