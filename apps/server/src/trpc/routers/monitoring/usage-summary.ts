import { readUsageSummary } from '@invoicegw/db';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { CompanyUsageSchema } from './monitoring-outputs.ts';

/** vw_UsageSummary: per company. */
export const usageSummary = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/usage-summary',
      summary: 'vw_UsageSummary: usage per company',
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .output(z.array(CompanyUsageSchema))
  .query(({ ctx }) => readUsageSummary(ctx.deps.core.db));
