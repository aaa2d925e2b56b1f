import { setTokenExpiry as setExpiry } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { IsoDateTime, Reason, TokenId } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const setTokenExpiryInput = z.object({
  tokenId: TokenId,
  expiresAt: IsoDateTime.nullable(),
  reason: Reason,
});

export const setTokenExpiry = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/{tokenId}/expiry',
      summary: 'Set or clear a key expiry',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND', 'INVALID_INPUT'],
    }),
  )
  .input(setTokenExpiryInput)
  .output(TokenViewSchema)
  .mutation(({ ctx, input }) =>
    setExpiry(
      ctx.deps.core,
      actorOf(ctx, input.reason),
      input.tokenId,
      input.expiresAt ? new Date(input.expiresAt) : null,
    ),
  );
