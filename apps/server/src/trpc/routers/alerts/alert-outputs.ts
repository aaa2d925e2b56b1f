import type { AlertDeliveryResult, AlertTestResult } from '@invoicegw/core';
import type { AlertDeliveryInfo, AlertSubscriptionInfo } from '@invoicegw/db';
import { z } from 'zod';
import { Instant, RowIdOut, shapeOf } from '../../../openapi/output-shape.ts';

/** A subscription as operators see it: the secret's hint, never the secret. */
export const AlertSubscriptionSchema = shapeOf<AlertSubscriptionInfo>()(
  z
    .object({
      subscriptionId: RowIdOut,
      url: z.string(),
      events: z.array(z.string()),
      secretHint: z.string(),
      enabled: z.boolean(),
      allowPrivate: z.boolean().describe('Loopback and private addresses allowed (set by an operator)'),
      label: z.string().nullable(),
      createdAt: Instant,
      createdBy: z.string(),
    })
    .meta({ id: 'AlertSubscription' }),
);

const OutboxStatus = z.enum(['pending', 'delivering', 'delivered', 'dead']);

export const AlertDeliverySchema = shapeOf<AlertDeliveryInfo>()(
  z
    .object({
      deliveryId: RowIdOut,
      outboxId: RowIdOut.describe('Sent as X-IGW-Delivery; the same on every retry of one alert'),
      subscriptionId: RowIdOut,
      eventType: z.string(),
      attempt: z.number().int(),
      statusCode: z.number().int().nullable().describe("The receiver's HTTP status; null when none came"),
      durationMs: z.number().int(),
      error: z.string().nullable(),
      attemptedAt: Instant,
      outboxStatus: OutboxStatus.describe("The alert's state now"),
    })
    .meta({ id: 'AlertDelivery' }),
);

const DeliveryResultSchema = shapeOf<AlertDeliveryResult>()(
  z.object({
    outboxId: RowIdOut,
    attempt: z.number().int(),
    outcome: z.enum(['delivered', 'retry', 'dead', 'lost-lease']),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  }),
);

export const AlertTestResultSchema = shapeOf<AlertTestResult>()(
  z.object({
    outboxId: RowIdOut,
    delivery: DeliveryResultSchema.nullable().describe(
      'This call’s attempt; null when a dispatcher took it first',
    ),
    status: z.string(),
  }),
);
