import { encryptLegacyKeys as encrypt } from '@invoicegw/core';
import { z } from 'zod';
import { shapeOf } from '../../../openapi/output-shape.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason } from './token-inputs.ts';

export const encryptLegacyKeysInput = z.object({ reason: Reason });

export const encryptLegacyKeys = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/tokens/encrypt-legacy',
      summary: 'Encrypt every legacy plaintext key now',
      tag: 'tokens',
      auth: 'admin',
      errors: ['MASTER_KEY_REQUIRED', 'KEY_DECRYPT_FAILED'],
    }),
  )
  .input(encryptLegacyKeysInput)
  .output(
    shapeOf<Awaited<ReturnType<typeof encrypt>>>()(
      z.object({ encrypted: z.number().int().min(0).describe('Keys sealed by this call') }),
    ),
  )
  .mutation(({ ctx, input }) => encrypt(ctx.deps.core, actorOf(ctx, input.reason ?? 'encrypt legacy keys')));
