import { getTokenView } from '@invoicegw/core';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';
import { TokenId } from './token-inputs.ts';

export const getTokenInput = z.object({ tokenId: TokenId });

export const getToken = adminProcedure
  .input(getTokenInput)
  .query(({ ctx, input }) => getTokenView(ctx.deps.core.db, input.tokenId));
