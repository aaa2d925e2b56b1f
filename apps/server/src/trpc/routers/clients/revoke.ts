import { revokeClientKeyById } from '@invoicegw/core';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';

export const revokeClientKeyInput = z.object({
  clientKeyId: z.coerce.number().int().positive(),
  reason: z.string().trim().max(1000).optional(),
});

export const revokeClient = adminProcedure
  .input(revokeClientKeyInput)
  .mutation(({ ctx, input }) =>
    revokeClientKeyById(
      ctx.deps.core,
      { actor: ctx.actor, reason: input.reason, requestId: ctx.requestId },
      input.clientKeyId,
    ),
  );
