import { undoRollback } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason } from '../tokens/token-inputs.ts';
import { RollbackUndoneSchema } from './maintenance-outputs.ts';

export const rollbackUndoInput = z.object({ reason: Reason });

/** Back to this gateway after a rollback: the switch goes and every plaintext key is sealed again. */
export const rollbackUndo = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/maintenance/rollback/undo',
      summary: 'Seal every plaintext key again after a rollback',
      tag: 'maintenance',
      auth: 'admin',
      errors: ['MASTER_KEY_REQUIRED', 'KEY_DECRYPT_FAILED'],
    }),
  )
  .input(rollbackUndoInput)
  .output(RollbackUndoneSchema)
  .mutation(({ ctx, input }) =>
    undoRollback(ctx.deps.core, actorOf(ctx, input.reason ?? 'back from a rollback to the old service')),
  );
