import { enqueueAlertOutbox, getToken, listAlertSubscriptions } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { redactSecrets } from '../logging/redact-secrets.ts';
import type { AlertEvent, AlertPayload } from './alert-events.ts';

type AlertDeps = Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>;

/**
 * One outbox row per enabled subscription that listens to the event, each under the event's
 * dedupe key, so replicas that see the same occurrence enqueue it once. The payload names the
 * key by id and hint only, and is redacted as a last line of defence. Returns how many rows
 * this call inserted.
 */
export async function enqueueAlert(
  deps: AlertDeps,
  event: AlertEvent,
  subscriptionId?: number,
): Promise<number> {
  const subscriptions = (await listAlertSubscriptions(deps.db, { enabledOnly: true })).filter((s) =>
    subscriptionId === undefined
      ? event.type !== 'test' && s.events.includes(event.type)
      : s.subscriptionId === subscriptionId,
  );
  if (subscriptions.length === 0) return 0;
  const token = event.tokenId === null ? undefined : await getToken(deps.db, event.tokenId);
  const payload: AlertPayload = {
    event: event.type,
    occurredAt: deps.now().toISOString(),
    company: { id: event.companyId ?? token?.companyId ?? null, name: token?.companyName ?? null },
    key: { id: event.tokenId, hint: token?.keyHint ?? null },
    message: event.message,
    figures: event.figures ?? {},
    requestId: event.requestId ?? null,
  };
  const payloadJson = (deps.redact ?? redactSecrets)(JSON.stringify(payload));
  let inserted = 0;
  for (const s of subscriptions) {
    const added = await enqueueAlertOutbox(deps.db, {
      subscriptionId: s.subscriptionId,
      eventType: event.type,
      dedupeKey: event.dedupeKey,
      payloadJson,
      now: deps.now(),
    });
    if (added) inserted += 1;
  }
  return inserted;
}

/**
 * What each source calls: an alert that cannot be enqueued is logged, never thrown, so the
 * change it reports (a charge, a status change) stands on its own.
 */
export async function raiseAlert(deps: AlertDeps, event: AlertEvent): Promise<void> {
  try {
    await enqueueAlert(deps, event);
  } catch (error) {
    deps.logger.log(
      'ERROR',
      'alerts',
      `Could not enqueue the ${event.type} alert: ${(error as Error).message}`,
      {
        tokenId: event.tokenId ?? undefined,
        companyId: event.companyId ?? undefined,
        requestId: event.requestId,
      },
    );
  }
}
