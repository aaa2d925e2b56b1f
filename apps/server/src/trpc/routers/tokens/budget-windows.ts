import { budgetHistory } from '@invoicegw/core';
import type { BudgetWindowEntry } from '@invoicegw/db';
import { z } from 'zod';
import { CountOut, Instant, RowIdOut, shapeOf } from '../../../openapi/output-shape.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { TokenId } from './token-inputs.ts';

export const tokenBudgetWindowsInput = z.object({
  tokenId: TokenId,
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const BudgetWindowSchema = shapeOf<BudgetWindowEntry>()(
  z
    .object({
      windowId: RowIdOut,
      tokenId: RowIdOut,
      windowStart: Instant,
      windowEnd: Instant,
      tokensUsed: CountOut.describe('Charged in the window, including what a rotation carried into it'),
      requestCount: CountOut,
      carriedTokens: CountOut.describe('Part of tokensUsed carried from the key this one was rotated from'),
      tokenLimit: CountOut.describe('The limit when the window closed'),
      closedAt: Instant,
    })
    .meta({ id: 'BudgetWindow', description: 'One closed budget window of a key' }),
);

export const tokenBudgetWindows = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/tokens/{tokenId}/budget-windows',
      summary: "A key's closed budget windows, newest first",
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND'],
    }),
  )
  .input(tokenBudgetWindowsInput)
  .output(z.array(BudgetWindowSchema))
  .query(({ ctx, input }) => budgetHistory(ctx.deps.core, input.tokenId, input.limit));
