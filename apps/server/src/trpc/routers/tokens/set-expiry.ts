import { setTokenExpiry as setExpiry } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { IsoDateTime, Reason, TokenId } from './token-inputs.ts';

export const setTokenExpiryInput = z.object({
  tokenId: TokenId,
  expiresAt: IsoDateTime.nullable(),
  reason: Reason,
});

export const setTokenExpiry = adminProcedure
  .input(setTokenExpiryInput)
  .mutation(({ ctx, input }) =>
    setExpiry(
      ctx.deps.core,
      actorOf(ctx, input.reason),
      input.tokenId,
      input.expiresAt ? new Date(input.expiresAt) : null,
    ),
  );
