import { removeToken as remove } from '@invoicegw/core';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const removeTokenInput = z.object({ tokenId: TokenId, reason: Reason });

export const removeToken = adminProcedure
  .input(removeTokenInput)
  .mutation(({ ctx, input }) =>
    remove(
      ctx.deps.core,
      { actor: ctx.actor, reason: input.reason, requestId: ctx.requestId },
      input.tokenId,
    ),
  );
