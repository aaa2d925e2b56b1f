import { isRollbackPrepared } from '@invoicegw/core';
import { listStoredKeys } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { RollbackStatusSchema } from './maintenance-outputs.ts';

/** Whether a rollback is prepared, and how many keys the old service could read right now. */
export const rollbackStatus = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/maintenance/rollback',
      summary: 'Whether a rollback to the old service is prepared, and how keys are stored',
      tag: 'maintenance',
      auth: 'admin',
    }),
  )
  .input(z.object({}).optional())
  .output(RollbackStatusSchema)
  .query(async ({ ctx }) => {
    const { core } = ctx.deps;
    const keys = await listStoredKeys(core.db);
    const sealedKeys = keys.filter((k) => core.vault.isSealed(k.stored)).length;
    return { prepared: await isRollbackPrepared(core), plaintextKeys: keys.length - sealedKeys, sealedKeys };
  });
