import { KEY_CHECK_STATES, type KeyVerification, verifyTokens as verify } from '@invoicegw/core';
import { z } from 'zod';
import { Instant, RowIdOut, shapeOf } from '../../../openapi/output-shape.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, TokenId } from './token-inputs.ts';

export const verifyTokensInput = z.object({
  tokenId: TokenId.optional(),
  companyId: z.string().trim().min(1).max(50).optional(),
  reason: Reason,
});

export const KeyVerificationSchema = shapeOf<KeyVerification>()(
  z
    .object({
      tokenId: RowIdOut,
      companyId: z.string(),
      keyHint: z.string().nullable(),
      status: z.string(),
      check: z.object({
        state: z
          .enum(KEY_CHECK_STATES)
          .describe(
            'ok; rejected (invalid, revoked); quota (valid, spent for now); unreachable (no verdict)',
          ),
        code: z.string().describe('OK, or the provider reason (API_KEY_INVALID…), TIMEOUT, NETWORK'),
        reason: z.string().nullable().describe("The provider's words, key masked"),
        httpStatus: z.number().int().nullable(),
        checkedAt: Instant,
      }),
    })
    .meta({ id: 'KeyVerification', description: 'What Gemini says about one stored key (never the key)' }),
);

/** Asks Gemini about one key or every Active key (a free countTokens call each) and reports each one's state. */
export const verifyTokens = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/verify',
      summary: 'Check stored keys with the provider',
      description:
        'A free countTokens call per key: one key (tokenId), or every Active key (of companyId). Each result is recorded in the audit trail; nothing else changes.',
      tag: 'tokens',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND', 'INVALID_INPUT', 'KEY_DECRYPT_FAILED'],
    }),
  )
  .input(verifyTokensInput)
  .output(z.array(KeyVerificationSchema))
  .mutation(({ ctx, input }) =>
    verify(ctx.deps.core, actorOf(ctx, input.reason ?? 'verify keys'), {
      ...(input.tokenId === undefined ? {} : { tokenId: input.tokenId }),
      ...(input.companyId ? { companyId: input.companyId } : {}),
    }),
  );
