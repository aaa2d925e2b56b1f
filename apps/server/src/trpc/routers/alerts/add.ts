import { ALERT_EVENTS, addAlertSubscription } from '@invoicegw/core';
import { z } from 'zod';
import { shapeOf } from '../../../openapi/output-shape.ts';
import { rest } from '../../../openapi/rest-meta.ts';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason } from '../tokens/token-inputs.ts';
import { AlertSubscriptionSchema } from './alert-outputs.ts';

export const addAlertInput = z.object({
  url: z.string().trim().min(1).max(2000),
  events: z
    .array(z.string().trim().min(1).max(40))
    .min(1)
    .max(20)
    .describe(`Event types (${ALERT_EVENTS.join(', ')}), or ["all"]`),
  allowPrivate: z
    .boolean()
    .optional()
    .describe('Allow loopback and private addresses for this URL (audited); refused otherwise'),
  label: z.string().trim().max(200).optional(),
  reason: Reason,
});

/** Subscribes a webhook; the signing secret is in this answer only. */
export const addAlert = adminProcedure
  .meta(
    rest({
      method: 'post',
      path: '/v1/alerts',
      summary: 'Subscribe a webhook to alerts (signing secret shown once)',
      tag: 'alerts',
      auth: 'admin',
      errors: ['INVALID_INPUT', 'ALERT_URL_REFUSED'],
    }),
  )
  .input(addAlertInput)
  .output(
    shapeOf<Awaited<ReturnType<typeof addAlertSubscription>>>()(
      z.object({
        secret: z
          .string()
          .describe(
            'The signing secret: in this answer only, stored sealed. X-IGW-Signature is sha256=HMAC-SHA256(secret, "<X-IGW-Timestamp>.<body>") in hex.',
          ),
        info: AlertSubscriptionSchema,
      }),
    ),
  )
  .mutation(({ ctx, input }) =>
    addAlertSubscription(
      ctx.deps.core,
      actorOf(ctx, input.reason),
      { url: input.url, events: input.events, allowPrivate: input.allowPrivate, label: input.label ?? null },
      { allowHosts: ctx.deps.config.alerts.allowPrivateHosts },
    ),
  );
