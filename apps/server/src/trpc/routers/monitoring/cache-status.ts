import { readCacheStatus } from '../../../monitoring/cache-status.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { CacheStatusSchema } from './monitoring-outputs.ts';

export const cacheStatus = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/monitoring/cache-status',
      summary: 'Result cache statistics',
      tag: 'monitoring',
      auth: 'admin',
    }),
  )
  .output(CacheStatusSchema)
  .query(({ ctx }) => readCacheStatus(ctx.deps));
