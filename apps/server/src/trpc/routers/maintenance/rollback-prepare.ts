import { prepareRollback, ROLLBACK_CONFIRMATION } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason } from '../tokens/token-inputs.ts';
import { RollbackPreparedSchema } from './maintenance-outputs.ts';

export const rollbackPrepareInput = z.object({
  confirm: z.string().max(100).describe(`Exactly "${ROLLBACK_CONFIRMATION}"`),
  reason: Reason,
});

/** The checklist's rollback: keys back in plaintext for the old Python service, audited per key. */
export const rollbackPrepare = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/maintenance/rollback/prepare',
      summary: 'Store every key in plaintext again, for a rollback to the old service',
      tag: 'maintenance',
      auth: 'admin',
      errors: ['INVALID_INPUT', 'MASTER_KEY_REQUIRED'],
    }),
  )
  .input(rollbackPrepareInput)
  .output(RollbackPreparedSchema)
  .mutation(({ ctx, input }) =>
    prepareRollback(
      ctx.deps.core,
      actorOf(ctx, input.reason ?? 'rollback to the old service'),
      input.confirm,
    ),
  );
