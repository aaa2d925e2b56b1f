import { getTokenView } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { TokenId } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const getTokenInput = z.object({ tokenId: TokenId });

export const getToken = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/tokens/{tokenId}',
      summary: 'One key (masked) with usage and health',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND'],
    }),
  )
  .input(getTokenInput)
  .output(TokenViewSchema)
  .query(({ ctx, input }) => getTokenView(ctx.deps.core.db, input.tokenId));
