import { listAlertSubscriptions } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { AlertSubscriptionSchema } from './alert-outputs.ts';

export const listAlerts = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/alerts',
      summary: 'List webhook subscriptions (secrets masked)',
      tag: 'alerts',
      auth: 'admin',
    }),
  )
  .input(z.object({}).optional())
  .output(z.array(AlertSubscriptionSchema))
  .query(({ ctx }) => listAlertSubscriptions(ctx.deps.core.db));
