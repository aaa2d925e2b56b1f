import type { DbHandle } from '../db-handle.ts';
import type { AlertSubscriptionRow } from '../schema/alert-subscriptions.table.ts';
import { clip, insertReturningId, toBool, toIso } from './row-values.ts';

/** A subscription as operators see it: the secret's hint, never the secret. */
export interface AlertSubscriptionInfo {
  subscriptionId: number;
  url: string;
  events: string[];
  secretHint: string;
  enabled: boolean;
  allowPrivate: boolean;
  label: string | null;
  createdAt: string;
  createdBy: string;
}

function toInfo(row: Omit<AlertSubscriptionRow, 'SecretEncrypted'>): AlertSubscriptionInfo {
  return {
    subscriptionId: row.SubscriptionID,
    url: row.Url,
    events: row.Events.split(',')
      .map((e) => e.trim())
      .filter(Boolean),
    secretHint: row.SecretHint,
    enabled: toBool(row.Enabled),
    allowPrivate: toBool(row.AllowPrivate),
    label: row.Label,
    createdAt: toIso(row.CreatedAt),
    createdBy: row.CreatedBy,
  };
}

const INFO_COLUMNS = [
  'SubscriptionID',
  'Url',
  'Events',
  'SecretHint',
  'Enabled',
  'AllowPrivate',
  'Label',
  'CreatedAt',
  'CreatedBy',
] as const;

export async function insertAlertSubscription(
  handle: DbHandle,
  row: {
    url: string;
    events: readonly string[];
    secretEncrypted: string;
    secretHint: string;
    allowPrivate: boolean;
    label: string | null;
    createdBy: string;
    now: Date;
  },
): Promise<number> {
  return insertReturningId(handle, 'AlertSubscriptions', 'SubscriptionID', {
    Url: row.url,
    Events: row.events.join(','),
    SecretEncrypted: row.secretEncrypted,
    SecretHint: row.secretHint,
    Enabled: true,
    AllowPrivate: row.allowPrivate,
    Label: clip(row.label, 200),
    CreatedAt: row.now,
    CreatedBy: clip(row.createdBy, 200),
  });
}

export async function getAlertSubscription(
  handle: DbHandle,
  subscriptionId: number,
): Promise<AlertSubscriptionInfo | undefined> {
  const row = await handle.db
    .selectFrom('AlertSubscriptions')
    .select(INFO_COLUMNS)
    .where('SubscriptionID', '=', subscriptionId)
    .executeTakeFirst();
  return row && toInfo(row);
}

/** The sealed signing secret, for the dispatcher only. */
export async function getAlertSubscriptionSecret(
  handle: DbHandle,
  subscriptionId: number,
): Promise<string | undefined> {
  const row = await handle.db
    .selectFrom('AlertSubscriptions')
    .select('SecretEncrypted')
    .where('SubscriptionID', '=', subscriptionId)
    .executeTakeFirst();
  return row?.SecretEncrypted;
}

export async function listAlertSubscriptions(
  handle: DbHandle,
  options: { enabledOnly?: boolean } = {},
): Promise<AlertSubscriptionInfo[]> {
  let query = handle.db.selectFrom('AlertSubscriptions').select(INFO_COLUMNS);
  if (options.enabledOnly) query = query.where('Enabled', '=', true);
  return (await query.orderBy('SubscriptionID').execute()).map(toInfo);
}

export async function deleteAlertSubscription(handle: DbHandle, subscriptionId: number): Promise<boolean> {
  const result = await handle.db
    .deleteFrom('AlertSubscriptions')
    .where('SubscriptionID', '=', subscriptionId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
