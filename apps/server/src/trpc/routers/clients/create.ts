import { createClientKey } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';

export const createClientKeyInput = z.object({
  companyId: z.string().trim().min(1).max(50),
  label: z.string().trim().max(200).optional(),
  reason: z.string().trim().max(1000).optional(),
});

/** Issues a caller key for one company; the key is in this answer only. */
export const createClient = adminProcedure.input(createClientKeyInput).mutation(({ ctx, input }) =>
  createClientKey(ctx.deps.core, actorOf(ctx, input.reason), {
    companyId: input.companyId,
    label: input.label ?? null,
  }),
);
