import { rotateToken as rotate } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenCount, TokenId } from './token-inputs.ts';
import { RotateTokenResultSchema } from './token-outputs.ts';

export const rotateTokenInput = z.object({
  tokenId: TokenId,
  newApiKey: z.string().min(1).max(1000),
  graceSeconds: TokenCount.max(2_592_000).optional(),
  totalTokenLimit: TokenCount.optional(),
  force: z
    .boolean()
    .optional()
    .describe('Admit the key even when Gemini rejects it or cannot be asked (audited)'),
  reason: Reason,
});

export const rotateToken = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/{tokenId}/rotate',
      summary: 'Replace a key with a grace period',
      tag: 'tokens',
      auth: 'admin',
      errors: [
        'TOKEN_NOT_FOUND',
        'INVALID_INPUT',
        'DUPLICATE_KEY',
        'MASTER_KEY_REQUIRED',
        'KEY_REJECTED_BY_PROVIDER',
        'PROVIDER_UNREACHABLE',
      ],
    }),
  )
  .input(rotateTokenInput)
  .output(RotateTokenResultSchema)
  .mutation(({ ctx, input }) =>
    rotate(ctx.deps.core, actorOf(ctx, input.reason), {
      tokenId: input.tokenId,
      newApiKey: input.newApiKey,
      ...(input.graceSeconds === undefined ? {} : { graceSeconds: input.graceSeconds }),
      ...(input.totalTokenLimit === undefined ? {} : { totalTokenLimit: input.totalTokenLimit }),
      ...(input.force ? { force: true } : {}),
    }),
  );
