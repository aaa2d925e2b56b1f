import { pruneOldRows } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { PruneReportSchema, RETENTION_TABLE_NAMES, RetentionTableSchema } from './maintenance-outputs.ts';

export const pruneInput = z.object({
  // Required: a body that says nothing (null, [], {}) must not run a real prune.
  dryRun: z.boolean().describe('true: only count the rows past their retention; false: delete them'),
  tables: z
    .array(RetentionTableSchema)
    .max(RETENTION_TABLE_NAMES.length)
    .optional()
    .describe('Default: every table with a retention'),
});

/** One retention pass now, with this replica's settings (RETENTION_*_DAYS), in small batches. */
export const prune = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/maintenance/prune',
      summary: 'Prune rows past their retention now (or count them with dryRun)',
      tag: 'maintenance',
      auth: 'admin',
    }),
  )
  .input(pruneInput)
  .output(PruneReportSchema)
  .mutation(async ({ ctx, input }) => ({
    dryRun: input.dryRun,
    tables: await pruneOldRows(ctx.deps.core, ctx.deps.config.retention.policy, {
      dryRun: input.dryRun,
      ...(input.tables ? { tables: input.tables } : {}),
    }),
  }));
