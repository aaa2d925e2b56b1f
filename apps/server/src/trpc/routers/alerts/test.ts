import { testAlertSubscription } from '@invoicegw/core';
import { z } from 'zod';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason, RowId } from '../tokens/token-inputs.ts';
import { AlertTestResultSchema } from './alert-outputs.ts';

export const testAlertInput = z.object({ subscriptionId: RowId, reason: Reason });

/** Sends a signed `test` event now and answers with how its first attempt went. */
export const testAlert = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/alerts/{subscriptionId}/test',
      summary: 'Send a test alert to a subscription and report the delivery',
      tag: 'alerts',
      auth: 'admin',
      errors: ['ALERT_SUBSCRIPTION_NOT_FOUND', 'INVALID_INPUT'],
    }),
  )
  .input(testAlertInput)
  .output(AlertTestResultSchema)
  .mutation(({ ctx, input }) =>
    testAlertSubscription(
      ctx.deps.core,
      actorOf(ctx, input.reason),
      input.subscriptionId,
      ctx.deps.alertDispatch,
    ),
  );
