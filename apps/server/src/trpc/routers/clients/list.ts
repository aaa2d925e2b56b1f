import { listClientKeys } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { ClientKeySchema } from './client-outputs.ts';

export const listClientKeysInput = z.object({ companyId: z.string().trim().min(1).max(50).optional() });

export const listClients = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/clients',
      summary: 'List client keys (masked)',
      tag: 'clients',
      auth: 'admin',
    }),
  )
  .input(listClientKeysInput)
  .output(z.array(ClientKeySchema))
  .query(({ ctx, input }) => listClientKeys(ctx.deps.core.db, input.companyId));
