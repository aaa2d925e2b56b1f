import {
  type ClaimedAlert,
  claimAlertOutbox,
  finishAlertOutbox,
  getAlertSubscription,
  getAlertSubscriptionSecret,
  insertAlertDelivery,
  listDueAlertOutboxIds,
} from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { isDomainError } from '../errors/domain-error.ts';
import { type PeriodicJob, startPeriodicJob } from '../periodic-job.ts';
import { checkAlertTarget, type Lookup } from './address-guard.ts';
import { checkExpiringKeys } from './expiring-keys.ts';
import { postAlert } from './post-alert.ts';
import { signAlert } from './sign-payload.ts';

export interface AlertDispatchOptions {
  /** This process: the owner of the leases it takes. */
  instanceId: string;
  /** Attempts before a row is dead. */
  maxAttempts: number;
  /** The first retry's delay; each next one doubles, with jitter, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** One delivery's total time. */
  timeoutMs: number;
  /** Host names the server's configuration lets subscriptions reach even when private. */
  allowHosts: readonly string[];
  /** Warn this many days before a key's ExpiresAt (0: never). */
  expiryWarnDays: number;
  lookup?: Lookup | undefined;
  random?: (() => number) | undefined;
}

export type AlertDeliveryOutcome = 'delivered' | 'retry' | 'dead' | 'lost-lease';

export interface AlertDeliveryResult {
  outboxId: number;
  attempt: number;
  outcome: AlertDeliveryOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

type DispatchDeps = Pick<CoreDeps, 'db' | 'vault' | 'logger' | 'now' | 'redact'>;

/** The delay before attempt `attempt + 1`: doubling from the base, capped, jittered to 50–100 %. */
export function alertRetryDelay(options: AlertDispatchOptions, attempt: number): number {
  const raw = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.5 + 0.5 * (options.random ?? Math.random)()));
}

/** Claims one row and delivers it; undefined when another dispatcher has it or it is not due. */
export async function deliverAlertRow(
  deps: DispatchDeps,
  options: AlertDispatchOptions,
  outboxId: number,
): Promise<AlertDeliveryResult | undefined> {
  const now = deps.now();
  const claimed = await claimAlertOutbox(deps.db, {
    outboxId,
    owner: options.instanceId,
    now,
    // Longer than one delivery can take: a live dispatcher never loses its lease mid-send.
    leaseUntil: new Date(now.getTime() + options.timeoutMs + 30_000),
  });
  return claimed && deliverClaimed(deps, options, claimed);
}

async function deliverClaimed(
  deps: DispatchDeps,
  options: AlertDispatchOptions,
  claimed: ClaimedAlert,
): Promise<AlertDeliveryResult> {
  const attemptedAt = deps.now();
  const subscription = await getAlertSubscription(deps.db, claimed.subscriptionId);
  let statusCode: number | null = null;
  let error: string | null = null;
  let durationMs = 0;
  let final = false;
  if (!subscription?.enabled) {
    error = 'subscription removed or disabled';
    final = true;
  } else {
    try {
      const sealed = await getAlertSubscriptionSecret(deps.db, claimed.subscriptionId);
      const secret = deps.vault.open(sealed ?? '');
      // Checked again at every delivery: the name may resolve elsewhere than it did at subscribe time.
      const target = await checkAlertTarget(subscription.url, {
        allowPrivate: subscription.allowPrivate,
        allowHosts: options.allowHosts,
        lookup: options.lookup,
      });
      const timestamp = Math.floor(deps.now().getTime() / 1000);
      const posted = await postAlert(
        target,
        {
          'user-agent': 'invoicegw-alerts/1',
          'x-igw-event': claimed.eventType,
          'x-igw-delivery': String(claimed.outboxId),
          'x-igw-timestamp': String(timestamp),
          'x-igw-signature': signAlert(secret, timestamp, claimed.payloadJson),
        },
        claimed.payloadJson,
        options.timeoutMs,
      );
      durationMs = posted.ms;
      statusCode = posted.status ?? null;
      if (posted.error) error = posted.error;
      else if (statusCode === null || statusCode < 200 || statusCode >= 300)
        error = `HTTP ${statusCode}${statusCode !== null && statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : ''}`;
    } catch (failure) {
      error = (failure as Error).message;
      // A private address is a verdict, not a hiccup; a name that does not resolve may come back.
      final = isDomainError(failure, 'ALERT_URL_REFUSED') && /resolves to/.test(error);
    }
  }
  const redact = deps.redact ?? ((t: string) => t);
  const shownError = error === null ? null : redact(error);
  await insertAlertDelivery(deps.db, {
    outboxId: claimed.outboxId,
    attempt: claimed.attempt,
    statusCode,
    durationMs,
    error: shownError,
    at: attemptedAt,
  });
  const outcome: Exclude<AlertDeliveryOutcome, 'lost-lease'> =
    error === null ? 'delivered' : final || claimed.attempt >= options.maxAttempts ? 'dead' : 'retry';
  const finished = await finishAlertOutbox(deps.db, {
    outboxId: claimed.outboxId,
    owner: options.instanceId,
    now: deps.now(),
    outcome,
    retryAt: new Date(deps.now().getTime() + alertRetryDelay(options, claimed.attempt)),
    error: shownError,
  });
  if (outcome === 'dead' && finished) {
    deps.logger.log(
      'ERROR',
      'alerts',
      `Alert ${claimed.outboxId} (${claimed.eventType}) to subscription ${claimed.subscriptionId} given up after ${claimed.attempt} attempt(s): ${shownError}`,
    );
  }
  return {
    outboxId: claimed.outboxId,
    attempt: claimed.attempt,
    outcome: finished ? outcome : 'lost-lease',
    statusCode,
    error: shownError,
    durationMs,
  };
}

export interface DispatchRunResult {
  delivered: number;
  retried: number;
  dead: number;
}

/** Delivers what is due, in batches, until nothing is left that this process could claim. */
export async function deliverDueAlerts(
  deps: DispatchDeps,
  options: AlertDispatchOptions,
): Promise<DispatchRunResult> {
  const result: DispatchRunResult = { delivered: 0, retried: 0, dead: 0 };
  for (let round = 0; round < 50; round += 1) {
    const ids = await listDueAlertOutboxIds(deps.db, deps.now(), 20);
    let claimedAny = false;
    for (const id of ids) {
      let delivered: AlertDeliveryResult | undefined;
      try {
        delivered = await deliverAlertRow(deps, options, id);
      } catch (error) {
        // One row that cannot be handled must not hold up the others; its lease lapses and it comes back.
        deps.logger.log('ERROR', 'alerts', `Could not deliver alert ${id}: ${(error as Error).message}`);
        continue;
      }
      if (!delivered) continue;
      claimedAny = true;
      if (delivered.outcome === 'delivered') result.delivered += 1;
      else if (delivered.outcome === 'retry') result.retried += 1;
      else if (delivered.outcome === 'dead') result.dead += 1;
    }
    if (ids.length < 20 || !claimedAny) break;
  }
  return result;
}

/**
 * Delivers due alerts now and then every `intervalMs` until stopped, one run at a time, and
 * checks for keys about to expire at most once a minute; never keeps the process alive.
 */
export function startAlertDispatcher(
  deps: DispatchDeps,
  options: AlertDispatchOptions,
  intervalMs: number,
): PeriodicJob<unknown> {
  let lastExpiryCheck = Number.NEGATIVE_INFINITY;
  const once = async () => {
    if (options.expiryWarnDays > 0 && deps.now().getTime() - lastExpiryCheck >= 60_000) {
      lastExpiryCheck = deps.now().getTime();
      await checkExpiringKeys(deps, options.expiryWarnDays);
    }
    await deliverDueAlerts(deps, options);
  };
  const onError = (error: unknown) =>
    deps.logger.log('ERROR', 'alerts', `Alert delivery run failed: ${(error as Error).message}`);
  // Unlike the ledger's, a failed first run must not stop a start-up: alerts can wait.
  const job = startPeriodicJob(once, intervalMs, onError);
  return { ready: job.ready.catch(() => undefined), stop: job.stop };
}
