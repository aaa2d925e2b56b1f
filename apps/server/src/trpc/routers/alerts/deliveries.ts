import { listAlertDeliveries } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { adminProcedure } from '../../init.ts';
import { RowId } from '../tokens/token-inputs.ts';
import { AlertDeliverySchema } from './alert-outputs.ts';

export const alertDeliveriesInput = z.object({
  subscriptionId: RowId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** The delivery log: the most recent attempts first. */
export const alertDeliveries = adminProcedure
  .meta(
    rest({
      method: 'get',
      path: '/v1/alerts/deliveries',
      summary: 'The webhook delivery log (most recent attempts first)',
      tag: 'alerts',
      auth: 'admin',
    }),
  )
  .input(alertDeliveriesInput)
  .output(z.array(AlertDeliverySchema))
  .query(({ ctx, input }) =>
    listAlertDeliveries(ctx.deps.core.db, {
      limit: input.limit,
      ...(input.subscriptionId === undefined ? {} : { subscriptionId: input.subscriptionId }),
    }),
  );
