import { removeToken as remove } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const removeTokenInput = z.object({ tokenId: TokenId, reason: Reason });

export const removeToken = adminProcedure
  .meta(
    rest({
      method: 'delete',
      path: '/v1/tokens/{tokenId}',
      summary: 'Remove a key (soft: history stays)',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND'],
    }),
  )
  .input(removeTokenInput)
  .output(TokenViewSchema)
  .mutation(({ ctx, input }) => remove(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId));
