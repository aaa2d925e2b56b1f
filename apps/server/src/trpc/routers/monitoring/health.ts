import { readHealth } from '../../../monitoring/health.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { publicProcedure } from '../../init.ts';
import { HealthSchema } from './monitoring-outputs.ts';

export const health = publicProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/health',
      summary: 'Service and database health',
      description:
        'Answers 200 with status degraded when the database does not answer (GET / answers 503 then).',
      tag: 'monitoring',
      auth: 'public',
    }),
  )
  .output(HealthSchema)
  .query(({ ctx }) => readHealth(ctx.deps));
