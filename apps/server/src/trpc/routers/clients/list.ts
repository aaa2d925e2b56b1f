import { listClientKeys } from '@invoicegw/db';
import { z } from 'zod';
import { adminProcedure } from '../../init.ts';

export const listClientKeysInput = z.object({ companyId: z.string().trim().min(1).max(50).optional() });

export const listClients = adminProcedure
  .input(listClientKeysInput)
  .query(({ ctx, input }) => listClientKeys(ctx.deps.core.db, input.companyId));
