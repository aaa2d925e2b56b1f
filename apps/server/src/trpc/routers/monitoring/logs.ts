import { LOG_LEVELS, listApplicationLogs } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { IsoDateTime, Offset } from '../tokens/token-inputs.ts';
import { ApplicationLogSchema } from './monitoring-outputs.ts';

export const logsInput = z.object({
  levels: z
    .array(z.enum(LOG_LEVELS))
    .max(LOG_LEVELS.length * 2)
    .optional(),
  companyId: z.string().trim().min(1).max(50).optional(),
  requestId: z.string().trim().min(1).max(64).optional(),
  search: z.string().max(200).optional(),
  since: IsoDateTime.optional(),
  /** Rows after this LogID, oldest first: for following the log. */
  afterId: Offset.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: Offset.default(0),
});

/** ApplicationLogs with filters and paging. */
export const logs = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/logs',
      summary: 'ApplicationLogs with filters and paging',
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .input(logsInput)
  .output(z.array(ApplicationLogSchema))
  .query(({ ctx, input }) =>
    listApplicationLogs(
      ctx.deps.core.db,
      {
        ...(input.levels?.length ? { levels: input.levels } : {}),
        ...(input.companyId ? { companyId: input.companyId } : {}),
        ...(input.requestId ? { requestId: input.requestId } : {}),
        ...(input.search ? { search: input.search } : {}),
        ...(input.since ? { since: new Date(input.since) } : {}),
        ...(input.afterId === undefined ? {} : { afterId: input.afterId }),
      },
      { limit: input.limit, offset: input.offset },
    ),
  );
