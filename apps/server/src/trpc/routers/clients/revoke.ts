import { revokeClientKeyById } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { RowId } from '../tokens/token-inputs.ts';
import { ClientKeySchema } from './client-outputs.ts';

export const revokeClientKeyInput = z.object({
  clientKeyId: RowId,
  reason: z.string().trim().max(1000).optional(),
});

export const revokeClient = adminProcedure
  .meta(
    rest({
      method: 'delete',
      path: '/v1/clients/{clientKeyId}',
      summary: 'Revoke a client key',
      tag: 'clients',
      auth: 'admin',
      errors: ['TOKEN_NOT_FOUND'],
    }),
  )
  .input(revokeClientKeyInput)
  .output(ClientKeySchema)
  .mutation(({ ctx, input }) =>
    revokeClientKeyById(ctx.deps.core, actorOf(ctx, input.reason), input.clientKeyId),
  );
