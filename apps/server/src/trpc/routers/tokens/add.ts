import { addToken as add } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { IsoDateTime, Reason, TokenCount } from './token-inputs.ts';
import { TokenViewSchema } from './token-outputs.ts';

export const addTokenInput = z.object({
  companyId: z.string().trim().min(1).max(50),
  companyName: z.string().trim().max(200).optional(),
  apiKey: z.string().min(1).max(1000),
  totalTokenLimit: TokenCount.optional(),
  threshold: TokenCount.optional(),
  expiresAt: IsoDateTime.nullable().optional(),
  force: z
    .boolean()
    .optional()
    .describe('Admit the key even when Gemini rejects it or cannot be asked (audited)'),
  reason: Reason,
});

export const addToken = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens',
      summary: 'Register a key for a company',
      tag: 'tokens',
      auth: 'admin',
      errors: [
        'INVALID_INPUT',
        'DUPLICATE_KEY',
        'MASTER_KEY_REQUIRED',
        'KEY_REJECTED_BY_PROVIDER',
        'PROVIDER_UNREACHABLE',
      ],
    }),
  )
  .input(addTokenInput)
  .output(TokenViewSchema)
  .mutation(({ ctx, input }) =>
    add(ctx.deps.core, actorOf(ctx, input.reason), {
      companyId: input.companyId,
      companyName: input.companyName ?? null,
      apiKey: input.apiKey,
      ...(input.totalTokenLimit === undefined ? {} : { totalTokenLimit: input.totalTokenLimit }),
      ...(input.threshold === undefined ? {} : { threshold: input.threshold }),
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      ...(input.force ? { force: true } : {}),
    }),
  );
