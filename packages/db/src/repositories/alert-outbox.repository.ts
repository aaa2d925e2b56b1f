import { sql } from 'kysely';
import type { DbHandle } from '../db-handle.ts';
import type { AlertOutboxStatus } from '../schema/alert-outbox.table.ts';
import { clip, firstReturned, insertReturningId, toIso, toNum } from './row-values.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface AlertOutboxEntry {
  subscriptionId: number;
  eventType: string;
  /** Unique per subscription: the same event enqueued again (by any replica) is ignored. */
  dedupeKey: string;
  payloadJson: string;
  now: Date;
}

/**
 * Inserts an outbox row unless the subscription already has one with this dedupe key
 * (insert-if-missing under the unique index). True when this call inserted it.
 */
export async function enqueueAlertOutbox(handle: DbHandle, entry: AlertOutboxEntry): Promise<boolean> {
  const db = handle.db;
  const dedupeKey = clip(entry.dedupeKey, 200);
  try {
    const inserted = await db
      .insertInto('AlertOutbox')
      .columns([
        'SubscriptionID',
        'EventType',
        'DedupeKey',
        'PayloadJson',
        'Status',
        'Attempts',
        'NextAttemptAt',
        'CreatedAt',
      ])
      .expression(
        db
          .selectNoFrom([
            sql<number>`${entry.subscriptionId}`.as('SubscriptionID'),
            sql<string>`${clip(entry.eventType, 40)}`.as('EventType'),
            sql<string>`${dedupeKey}`.as('DedupeKey'),
            sql<string>`${entry.payloadJson}`.as('PayloadJson'),
            sql<AlertOutboxStatus>`${'pending'}`.as('Status'),
            sql<number>`${0}`.as('Attempts'),
            sql<Date>`${entry.now}`.as('NextAttemptAt'),
            sql<Date>`${entry.now}`.as('CreatedAt'),
          ])
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('AlertOutbox as o')
                  .select('o.OutboxID')
                  .where('o.SubscriptionID', '=', entry.subscriptionId)
                  .where('o.DedupeKey', '=', dedupeKey),
              ),
            ),
          ),
      )
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  } catch (error) {
    // Another replica inserted between the check and the insert: the event is enqueued once.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** The outbox id of a subscription's row for a dedupe key (how `alerts test` follows its event). */
export async function findAlertOutboxId(
  handle: DbHandle,
  subscriptionId: number,
  dedupeKey: string,
): Promise<number | undefined> {
  const row = await handle.db
    .selectFrom('AlertOutbox')
    .select('OutboxID')
    .where('SubscriptionID', '=', subscriptionId)
    .where('DedupeKey', '=', clip(dedupeKey, 200))
    .executeTakeFirst();
  return row?.OutboxID;
}

/** Rows a dispatcher may claim now: pending and due, or delivering under a lapsed lease. Oldest first. */
export async function listDueAlertOutboxIds(handle: DbHandle, now: Date, max: number): Promise<number[]> {
  let query = handle.db
    .selectFrom('AlertOutbox')
    .select('OutboxID')
    .where((eb) =>
      eb.or([
        eb.and([eb('Status', '=', 'pending'), eb('NextAttemptAt', '<=', now)]),
        eb.and([eb('Status', '=', 'delivering'), eb('LeaseUntil', '<', now)]),
      ]),
    )
    .orderBy('NextAttemptAt')
    .orderBy('OutboxID');
  query = handle.kind === 'mssql' ? query.top(max) : query.limit(max);
  return (await query.execute()).map((r) => r.OutboxID);
}

export interface ClaimedAlert {
  outboxId: number;
  subscriptionId: number;
  eventType: string;
  payloadJson: string;
  /** This attempt's number, from 1. */
  attempt: number;
}

/**
 * Leases one row for one dispatcher: a conditional UPDATE that only a due row passes, so of
 * any number of concurrent claimers (on any number of replicas) exactly one gets the row.
 */
export async function claimAlertOutbox(
  handle: DbHandle,
  claim: { outboxId: number; owner: string; now: Date; leaseUntil: Date },
): Promise<ClaimedAlert | undefined> {
  const update = handle.db
    .updateTable('AlertOutbox')
    .set((eb) => ({
      Status: 'delivering',
      Attempts: eb('Attempts', '+', 1),
      LeaseOwner: claim.owner,
      LeaseUntil: claim.leaseUntil,
    }))
    .where('OutboxID', '=', claim.outboxId)
    .where((eb) =>
      eb.or([
        eb.and([eb('Status', '=', 'pending'), eb('NextAttemptAt', '<=', claim.now)]),
        eb.and([eb('Status', '=', 'delivering'), eb('LeaseUntil', '<', claim.now)]),
      ]),
    );
  const row = await firstReturned(handle, 'AlertOutbox', update, 'inserted', [
    'OutboxID',
    'SubscriptionID',
    'EventType',
    'PayloadJson',
    'Attempts',
  ]);
  return (
    row && {
      outboxId: toNum(row.OutboxID),
      subscriptionId: toNum(row.SubscriptionID),
      eventType: row.EventType,
      payloadJson: row.PayloadJson,
      attempt: toNum(row.Attempts),
    }
  );
}

/**
 * Ends a lease: delivered, back to pending for a retry at `retryAt`, or dead (retryAt null and
 * not delivered). Only the lease's owner can end it; false when the lease was taken over.
 */
export async function finishAlertOutbox(
  handle: DbHandle,
  finish: {
    outboxId: number;
    owner: string;
    now: Date;
    outcome: 'delivered' | 'retry' | 'dead';
    retryAt?: Date;
    error?: string | null;
  },
): Promise<boolean> {
  const status: AlertOutboxStatus =
    finish.outcome === 'delivered' ? 'delivered' : finish.outcome === 'retry' ? 'pending' : 'dead';
  const result = await handle.db
    .updateTable('AlertOutbox')
    .set({
      Status: status,
      LeaseOwner: null,
      LeaseUntil: null,
      LastError: clip(finish.error ?? null, 1000),
      ...(finish.outcome === 'delivered' ? { DeliveredAt: finish.now } : {}),
      ...(finish.outcome === 'retry' ? { NextAttemptAt: finish.retryAt ?? finish.now } : {}),
    })
    .where('OutboxID', '=', finish.outboxId)
    .where('Status', '=', 'delivering')
    .where('LeaseOwner', '=', finish.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A removed subscription's undelivered rows end as dead, so no dispatcher keeps trying them. */
export async function abandonAlertOutbox(
  handle: DbHandle,
  subscriptionId: number,
  reason: string,
): Promise<number> {
  const result = await handle.db
    .updateTable('AlertOutbox')
    .set({ Status: 'dead', LeaseOwner: null, LeaseUntil: null, LastError: clip(reason, 1000) })
    .where('SubscriptionID', '=', subscriptionId)
    .where('Status', 'in', ['pending', 'delivering'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface AlertOutboxInfo {
  outboxId: number;
  subscriptionId: number;
  eventType: string;
  dedupeKey: string;
  status: AlertOutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

export async function getAlertOutbox(
  handle: DbHandle,
  outboxId: number,
): Promise<AlertOutboxInfo | undefined> {
  const row = await handle.db
    .selectFrom('AlertOutbox')
    .select([
      'OutboxID',
      'SubscriptionID',
      'EventType',
      'DedupeKey',
      'Status',
      'Attempts',
      'NextAttemptAt',
      'CreatedAt',
      'DeliveredAt',
      'LastError',
    ])
    .where('OutboxID', '=', outboxId)
    .executeTakeFirst();
  return (
    row && {
      outboxId: row.OutboxID,
      subscriptionId: toNum(row.SubscriptionID),
      eventType: row.EventType,
      dedupeKey: row.DedupeKey,
      status: row.Status,
      attempts: toNum(row.Attempts),
      nextAttemptAt: toIso(row.NextAttemptAt),
      createdAt: toIso(row.CreatedAt),
      deliveredAt: toIso(row.DeliveredAt),
      lastError: row.LastError,
    }
  );
}

export async function insertAlertDelivery(
  handle: DbHandle,
  row: {
    outboxId: number;
    attempt: number;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
    at: Date;
  },
): Promise<number> {
  return insertReturningId(handle, 'AlertDeliveries', 'DeliveryID', {
    OutboxID: row.outboxId,
    Attempt: row.attempt,
    StatusCode: row.statusCode,
    DurationMs: Math.max(0, Math.round(row.durationMs)),
    Error: clip(row.error, 1000),
    AttemptedAt: row.at,
  });
}

/** One attempt of the delivery log, with its outbox row's event and state. */
export interface AlertDeliveryInfo {
  deliveryId: number;
  outboxId: number;
  subscriptionId: number;
  eventType: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  attemptedAt: string;
  /** The outbox row's state now (delivered, pending for a retry, dead). */
  outboxStatus: AlertOutboxStatus;
}

/** The most recent attempts first; for one subscription or all. */
export async function listAlertDeliveries(
  handle: DbHandle,
  filter: { subscriptionId?: number; limit: number },
): Promise<AlertDeliveryInfo[]> {
  let query = handle.db
    .selectFrom('AlertDeliveries as d')
    .innerJoin('AlertOutbox as o', 'o.OutboxID', 'd.OutboxID')
    .select([
      'd.DeliveryID',
      'd.OutboxID',
      'o.SubscriptionID',
      'o.EventType',
      'd.Attempt',
      'd.StatusCode',
      'd.DurationMs',
      'd.Error',
      'd.AttemptedAt',
      'o.Status',
    ])
    .orderBy('d.DeliveryID', 'desc');
  if (filter.subscriptionId !== undefined)
    query = query.where('o.SubscriptionID', '=', filter.subscriptionId);
  query = handle.kind === 'mssql' ? query.top(filter.limit) : query.limit(filter.limit);
  return (await query.execute()).map((r) => ({
    deliveryId: r.DeliveryID,
    outboxId: toNum(r.OutboxID),
    subscriptionId: toNum(r.SubscriptionID),
    eventType: r.EventType,
    attempt: toNum(r.Attempt),
    statusCode: r.StatusCode === null ? null : toNum(r.StatusCode),
    durationMs: toNum(r.DurationMs),
    error: r.Error,
    attemptedAt: toIso(r.AttemptedAt),
    outboxStatus: r.Status,
  }));
}
