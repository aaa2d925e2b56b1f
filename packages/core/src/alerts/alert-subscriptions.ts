import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AlertSubscriptionInfo,
  abandonAlertOutbox,
  deleteAlertSubscription,
  findAlertOutboxId,
  getAlertOutbox,
  getAlertSubscription,
  insertAlertSubscription,
} from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { recordAudit } from '../tokens/audit.ts';
import { checkAlertTarget, type Lookup } from './address-guard.ts';
import { ALERT_EVENTS, isAlertEvent } from './alert-events.ts';
import { type AlertDeliveryResult, type AlertDispatchOptions, deliverAlertRow } from './deliver-alerts.ts';
import { enqueueAlert } from './enqueue-alert.ts';

export interface AddAlertInput {
  url: string;
  /** Event types, or `all`. */
  events: readonly string[];
  /** Lets this subscription reach loopback and private addresses (an operator's explicit choice, audited). */
  allowPrivate?: boolean | undefined;
  label?: string | null | undefined;
}

export interface AlertUrlPolicy {
  allowHosts: readonly string[];
  lookup?: Lookup | undefined;
}

const SECRET_PREFIX = 'whsec_';

function eventsOf(events: readonly string[]): string[] {
  const wanted = events
    .flatMap((e) => e.split(','))
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (wanted.includes('all')) return [...ALERT_EVENTS];
  if (wanted.length === 0)
    throw new DomainError('INVALID_INPUT', `Name at least one event (${ALERT_EVENTS.join(', ')}, or all)`);
  const unknown = wanted.filter((e) => !isAlertEvent(e));
  if (unknown.length > 0)
    throw new DomainError(
      'INVALID_INPUT',
      `Unknown alert event ${unknown.join(', ')}: use ${ALERT_EVENTS.join(', ')}, or all`,
      { details: { unknown } },
    );
  return [...new Set(wanted)];
}

/**
 * Subscribes a webhook. The URL is refused (ALERT_URL_REFUSED) unless it is http(s) and its
 * host resolves to public addresses only, or an operator allowed private ones. The signing
 * secret is in the answer once and stored sealed.
 */
export async function addAlertSubscription(
  deps: CoreDeps,
  who: Actor,
  input: AddAlertInput,
  policy: AlertUrlPolicy,
): Promise<{ secret: string; info: AlertSubscriptionInfo }> {
  const events = eventsOf(input.events);
  if (input.url.length > 2000)
    throw new DomainError('ALERT_URL_REFUSED', 'The webhook URL is longer than 2,000 characters');
  const allowPrivate = input.allowPrivate === true;
  const target = await checkAlertTarget(input.url, {
    allowPrivate,
    allowHosts: policy.allowHosts,
    lookup: policy.lookup,
  });
  // Normalising can lengthen a URL (percent-encoding): what is stored must fit its column.
  if (target.url.href.length > 2000)
    throw new DomainError(
      'ALERT_URL_REFUSED',
      'The webhook URL is longer than 2,000 characters once normalised',
    );
  const secret = `${SECRET_PREFIX}${randomBytes(24).toString('base64url')}`;
  const id = await insertAlertSubscription(deps.db, {
    url: target.url.href,
    events,
    secretEncrypted: deps.vault.seal(secret),
    secretHint: `${SECRET_PREFIX}…${secret.slice(-4)}`,
    allowPrivate,
    label: input.label?.trim() || null,
    createdBy: who.actor,
    now: deps.now(),
  });
  const info = (await getAlertSubscription(deps.db, id))!;
  await recordAudit(deps, who, {
    tokenId: null,
    companyId: null,
    action: 'alert.subscribe',
    before: null,
    after: { subscriptionId: id, url: info.url, events, allowPrivate, secretHint: info.secretHint },
  });
  return { secret, info };
}

async function requireSubscription(deps: CoreDeps, subscriptionId: number): Promise<AlertSubscriptionInfo> {
  const info = await getAlertSubscription(deps.db, subscriptionId);
  if (!info)
    throw new DomainError('ALERT_SUBSCRIPTION_NOT_FOUND', `Alert subscription ${subscriptionId} not found`, {
      details: { subscriptionId },
    });
  return info;
}

/** Removes a subscription; what it had not yet received is given up (dead), not sent. */
export async function removeAlertSubscription(
  deps: CoreDeps,
  who: Actor,
  subscriptionId: number,
): Promise<AlertSubscriptionInfo> {
  const info = await requireSubscription(deps, subscriptionId);
  await deleteAlertSubscription(deps.db, subscriptionId);
  const abandoned = await abandonAlertOutbox(deps.db, subscriptionId, 'subscription removed');
  await recordAudit(deps, who, {
    tokenId: null,
    companyId: null,
    action: 'alert.unsubscribe',
    before: { subscriptionId, url: info.url, events: info.events, allowPrivate: info.allowPrivate },
    after: { abandonedDeliveries: abandoned },
  });
  return info;
}

export interface AlertTestResult {
  outboxId: number;
  /** This call's delivery; null when a dispatcher took the row first (see the delivery log). */
  delivery: AlertDeliveryResult | null;
  status: string;
}

/** Sends a `test` event to one subscription now and says how its first attempt went. */
export async function testAlertSubscription(
  deps: CoreDeps,
  who: Actor,
  subscriptionId: number,
  options: AlertDispatchOptions,
): Promise<AlertTestResult> {
  const info = await requireSubscription(deps, subscriptionId);
  if (!info.enabled)
    throw new DomainError('INVALID_INPUT', `Alert subscription ${subscriptionId} is disabled`);
  const dedupeKey = `test:${subscriptionId}:${randomUUID()}`;
  await enqueueAlert(
    deps,
    {
      type: 'test',
      dedupeKey,
      companyId: null,
      tokenId: null,
      requestId: who.requestId,
      message: `Test alert requested by ${who.actor}`,
    },
    subscriptionId,
  );
  const outboxId = await findAlertOutboxId(deps.db, subscriptionId, dedupeKey);
  if (outboxId === undefined) throw new Error('the test alert was not enqueued');
  const delivery = (await deliverAlertRow(deps, options, outboxId)) ?? null;
  await recordAudit(deps, who, {
    tokenId: null,
    companyId: null,
    action: 'alert.test',
    before: null,
    after: {
      subscriptionId,
      outboxId,
      outcome: delivery?.outcome ?? 'queued',
      statusCode: delivery?.statusCode ?? null,
    },
  });
  const row = await getAlertOutbox(deps.db, outboxId);
  return { outboxId, delivery, status: row?.status ?? 'pending' };
}

export { getAlertSubscription, listAlertDeliveries, listAlertSubscriptions } from '@invoicegw/db';
