import { removeToken as remove } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const removeTokenInput = z.object({ tokenId: TokenId, reason: Reason });

export const removeToken = adminProcedure
  .input(removeTokenInput)
  .mutation(({ ctx, input }) => remove(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId));
