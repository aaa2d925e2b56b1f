import { createClientKey } from '@invoicegw/core';
import { z } from 'zod';
import { shapeOf } from '../../../openapi/output-shape.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { ClientKeySchema } from './client-outputs.ts';

export const createClientKeyInput = z.object({
  companyId: z.string().trim().min(1).max(50),
  label: z.string().trim().max(200).optional(),
  reason: z.string().trim().max(1000).optional(),
});

/** Issues a caller key for one company; the key is in this answer only. */
export const createClient = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/clients',
      summary: 'Issue a client key for a company (shown once)',
      tag: 'clients',
      auth: 'admin',
      errors: ['INVALID_INPUT'],
    }),
  )
  .input(createClientKeyInput)
  .output(
    shapeOf<Awaited<ReturnType<typeof createClientKey>>>()(
      z.object({
        key: z
          .string()
          .describe('The client key: in this answer only, stored hashed. Send it as X-Client-Key.'),
        info: ClientKeySchema,
      }),
    ),
  )
  .mutation(({ ctx, input }) =>
    createClientKey(ctx.deps.core, actorOf(ctx, input.reason), {
      companyId: input.companyId,
      label: input.label ?? null,
    }),
  );
