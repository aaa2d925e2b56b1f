import { revokeClientKeyById } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { RowId } from '../tokens/token-inputs.ts';

export const revokeClientKeyInput = z.object({
  clientKeyId: RowId,
  reason: z.string().trim().max(1000).optional(),
});

export const revokeClient = adminProcedure
  .input(revokeClientKeyInput)
  .mutation(({ ctx, input }) =>
    revokeClientKeyById(ctx.deps.core, actorOf(ctx, input.reason), input.clientKeyId),
  );
