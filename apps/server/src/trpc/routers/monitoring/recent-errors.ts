import { readRecentErrors } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { RecentErrorSchema } from './monitoring-outputs.ts';

/** vw_RecentErrors: the latest 100 ERROR/CRITICAL logs. */
export const recentErrors = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/recent-errors',
      summary: 'vw_RecentErrors: the latest ERROR and CRITICAL logs',
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .output(z.array(RecentErrorSchema))
  .query(({ ctx }) => readRecentErrors(ctx.deps.core.db));
