import type { TableSpec } from './ddl.ts';
import { recordMigration, syncIndexes, syncTable } from './ddl.ts';
import type { Migration } from './migration.ts';

const ID = '0007-alert-outbox';

const alertSubscriptionsTable: TableSpec = {
  name: 'AlertSubscriptions',
  columns: {
    SubscriptionID: { type: 'id' },
    Url: { type: { text: 2000 }, notNull: true },
    Events: { type: { text: 500 }, notNull: true },
    SecretEncrypted: { type: { text: 500 }, notNull: true },
    SecretHint: { type: { text: 20 }, notNull: true },
    Enabled: { type: 'bit', notNull: true, default: true },
    AllowPrivate: { type: 'bit', notNull: true, default: false },
    Label: { type: { text: 200 } },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    CreatedBy: { type: { text: 200 }, notNull: true },
  },
  indexes: [],
};

const alertOutboxTable: TableSpec = {
  name: 'AlertOutbox',
  columns: {
    OutboxID: { type: 'id' },
    SubscriptionID: { type: 'int', notNull: true },
    EventType: { type: { text: 40 }, notNull: true },
    DedupeKey: { type: { text: 200 }, notNull: true },
    PayloadJson: { type: { text: 'max' }, notNull: true },
    Status: { type: { text: 16 }, notNull: true, default: 'pending' },
    Attempts: { type: 'int', notNull: true, default: 0 },
    NextAttemptAt: { type: 'datetime', notNull: true, default: 'now' },
    LeaseUntil: { type: 'datetime' },
    LeaseOwner: { type: { text: 64 } },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    DeliveredAt: { type: 'datetime' },
    LastError: { type: { text: 1000 } },
  },
  indexes: [
    // The same event seen by several replicas becomes one row per subscription.
    {
      name: 'UX_AlertOutbox_SubscriptionID_DedupeKey',
      columns: ['SubscriptionID', 'DedupeKey'],
      unique: true,
    },
    { name: 'IX_AlertOutbox_Status_NextAttemptAt', columns: ['Status', 'NextAttemptAt'] },
  ],
};

const alertDeliveriesTable: TableSpec = {
  name: 'AlertDeliveries',
  columns: {
    DeliveryID: { type: 'id' },
    OutboxID: { type: 'int', notNull: true },
    Attempt: { type: 'int', notNull: true },
    StatusCode: { type: 'int' },
    DurationMs: { type: 'int', notNull: true, default: 0 },
    Error: { type: { text: 1000 } },
    AttemptedAt: { type: 'datetime', notNull: true, default: 'now' },
  },
  indexes: [{ name: 'IX_AlertDeliveries_OutboxID', columns: ['OutboxID'] }],
};

/**
 * Alerts that reach people: webhook subscriptions, a durable outbox (one delivery across
 * replicas, retried after restarts) and a log of every delivery attempt.
 */
export const alertOutbox: Migration = {
  id: ID,
  steps: (ctx) => [
    ...syncTable(ctx, ctx.schemas.schema, alertSubscriptionsTable),
    ...syncIndexes(ctx, ctx.schemas.schema, alertSubscriptionsTable),
    ...syncTable(ctx, ctx.schemas.schema, alertOutboxTable),
    ...syncIndexes(ctx, ctx.schemas.schema, alertOutboxTable),
    ...syncTable(ctx, ctx.schemas.schema, alertDeliveriesTable),
    ...syncIndexes(ctx, ctx.schemas.schema, alertDeliveriesTable),
    recordMigration(ctx, ID),
  ],
};
