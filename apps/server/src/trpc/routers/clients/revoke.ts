import { revokeClientKeyById } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';

export const revokeClientKeyInput = z.object({
  clientKeyId: z.coerce.number().int().positive(),
  reason: z.string().trim().max(1000).optional(),
});

export const revokeClient = adminProcedure
  .input(revokeClientKeyInput)
  .mutation(({ ctx, input }) =>
    revokeClientKeyById(ctx.deps.core, actorOf(ctx, input.reason), input.clientKeyId),
  );
