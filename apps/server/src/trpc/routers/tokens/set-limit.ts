import { setTokenLimit as setLimit } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenCount, TokenId } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const setTokenLimitInput = z.object({
  tokenId: TokenId,
  totalTokenLimit: TokenCount,
  threshold: TokenCount.optional(),
  reason: Reason,
});

export const setTokenLimit = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/{tokenId}/limit',
      summary: 'Set a key limit and threshold',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND', 'INVALID_INPUT'],
    }),
  )
  .input(setTokenLimitInput)
  .output(TokenViewSchema)
  .mutation(({ ctx, input }) =>
    setLimit(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId, {
      totalTokenLimit: input.totalTokenLimit,
      ...(input.threshold === undefined ? {} : { threshold: input.threshold }),
    }),
  );
