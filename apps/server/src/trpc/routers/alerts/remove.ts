import { removeAlertSubscription } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, RowId } from '../tokens/token-inputs.ts';
import { AlertSubscriptionSchema } from './alert-outputs.ts';

export const removeAlertInput = z.object({ subscriptionId: RowId, reason: Reason });

export const removeAlert = adminProcedure
  .meta(
    rest({
      method: 'delete',
      path: '/v1/alerts/{subscriptionId}',
      summary: 'Remove a webhook subscription (its undelivered alerts are given up)',
      tag: 'alerts',
      auth: 'admin',
      errors: ['ALERT_SUBSCRIPTION_NOT_FOUND'],
    }),
  )
  .input(removeAlertInput)
  .output(AlertSubscriptionSchema)
  .mutation(({ ctx, input }) =>
    removeAlertSubscription(ctx.deps.core, actorOf(ctx, input.reason), input.subscriptionId),
  );
