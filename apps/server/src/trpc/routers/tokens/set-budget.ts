import { BUDGET_PERIODS, setTokenBudget as setBudget } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const setTokenBudgetInput = z.object({
  tokenId: TokenId,
  period: z.enum(BUDGET_PERIODS).describe('none: the limit never starts over (as before)'),
  timeZone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('IANA name, e.g. Europe/Berlin; by default the key’s current one (UTC)'),
  reason: Reason,
});

export const setTokenBudget = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/{tokenId}/budget',
      summary: 'Set a key budget period (daily, weekly, monthly) and time zone',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND', 'INVALID_INPUT'],
    }),
  )
  .input(setTokenBudgetInput)
  .output(TokenViewSchema)
  .mutation(({ ctx, input }) =>
    setBudget(ctx.deps.core, actorOf(ctx, input.reason), input.tokenId, {
      period: input.period,
      timeZone: input.timeZone,
    }),
  );
