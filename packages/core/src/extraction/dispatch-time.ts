import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { type AcquireInput, acquireKey, type KeyLease } from '../ledger/acquire-key.ts';
import { outputShare } from '../ledger/output-cap.ts';
import { isHeldInFlight } from '../ledger/quota-wait.ts';
import type { LedgerObserver } from '../ledger/settle-lease.ts';
import type { ExtractionOptions } from './extraction-options.ts';

/** Where a request's time went before a provider call could start. */
export type WaitCause = 'intake' | 'database' | 'quota' | 'attempts';

/** What the server turns into metrics; core stays free of any metrics library. */
export interface ExtractionObserver extends LedgerObserver {
  /** One key acquisition (the ledger's reads and its conditional UPDATE, lock waits included). */
  databaseWait(ms: number): void;
  refusedBeforeDispatch(cause: WaitCause): void;
  /** Every failed provider attempt, whether its request later succeeded or not. */
  failedAttempt?(code: string): void;
}

/** A request's clock: the deadline counts from arrival at the server, not from the core. */
export interface RequestClock {
  receivedAt: number;
  deadline: number;
  /** From arrival until the first key was asked for: upload, authentication, validation. */
  intakeMs: number | undefined;
  databaseMs: number;
  /** In line for quota held by requests in flight (see quota-wait.ts). */
  quotaMs: number;
  /** The end of the request's wait for quota, set when it first asks for a key: one bound for all its asks. */
  quotaWaitUntil?: number;
}

export function startClock(receivedAt: number, deadlineMs: number, quotaWaitUntil?: number): RequestClock {
  const clock: RequestClock = {
    receivedAt,
    deadline: receivedAt + deadlineMs,
    intakeMs: undefined,
    databaseMs: 0,
    quotaMs: 0,
  };
  if (quotaWaitUntil !== undefined) clock.quotaWaitUntil = quotaWaitUntil;
  return clock;
}

/** True when, after waiting `waitMs`, more than `minDispatchMs` of the deadline is still left. */
export function leavesRoom(clock: RequestClock, minDispatchMs: number, waitMs = 0): boolean {
  return clock.deadline - Date.now() - waitMs > minDispatchMs;
}

/**
 * The refusal when too little time is left for a useful attempt: a call cut off by the deadline
 * is still billed by the provider, yet answered as a timeout and charged nothing here. The code
 * names where the time went, so a slow database is not blamed on the provider.
 */
export function deadlineBeforeDispatch(
  clock: RequestClock,
  minDispatchMs: number,
): { cause: WaitCause; error: DomainError } {
  const now = Date.now();
  const intakeMs = Math.round(clock.intakeMs ?? 0);
  const databaseMs = Math.round(clock.databaseMs);
  const quotaMs = Math.round(clock.quotaMs);
  const attemptsMs = Math.max(0, Math.round(now - clock.receivedAt) - intakeMs - databaseMs - quotaMs);
  const spent: Record<WaitCause, number> = {
    intake: intakeMs,
    database: databaseMs,
    quota: quotaMs,
    attempts: attemptsMs,
  };
  const cause = (Object.keys(spent) as WaitCause[]).reduce((a, b) => (spent[b] > spent[a] ? b : a));
  const remainingMs = Math.max(0, Math.round(clock.deadline - now));
  const where = {
    intake: 'receiving and checking the upload',
    database: 'waiting on the database for a key',
    quota: 'waiting for quota held by requests in flight',
    attempts: 'on earlier provider attempts',
  }[cause];
  const error = new DomainError(
    'DEADLINE_BEFORE_DISPATCH',
    `Not enough time left to call the provider: ${spent[cause]} ms went ${where}; ${remainingMs} ms of the deadline left, ${minDispatchMs} ms needed. Nothing was charged.`,
    {
      details: {
        cause,
        waitedMs: spent[cause],
        remainingMs,
        minDispatchMs,
        intakeMs,
        databaseMs,
        quotaMs,
        attemptsMs,
      },
      retryAfterSeconds: 5,
    },
  );
  return { cause, error };
}

/** Where acquireTimed finds its line and its bounds (an ExtractionDeps has both). */
type AcquireDeps = CoreDeps & {
  observer?: ExtractionObserver | undefined;
  runtime?: { options: Pick<ExtractionOptions, 'quotaWaitMs' | 'minDispatchMs'> };
};

/**
 * acquireKey, timed: the wait on the database counts against the deadline and is reported. The
 * output cap may be cut down on a key with little left (output-cap.ts). When quota is held by
 * requests in flight, the request waits in its company's fair line (quota-wait.ts) for them to
 * settle, at most QUOTA_WAIT_MS in all and never past its deadline less MIN_DISPATCH_MS.
 */
export async function acquireTimed(
  deps: AcquireDeps,
  clock: RequestClock,
  input: AcquireInput,
  log: (level: 'WARNING', message: string, extra?: Record<string, unknown>) => void,
): Promise<KeyLease> {
  const asked = Date.now();
  clock.intakeMs ??= asked - clock.receivedAt;
  const request: AcquireInput = { output: outputShare(deps.ledger), ...input };
  let databaseMs = 0;
  const once = async () => {
    const started = Date.now();
    try {
      return await acquireKey(deps, request);
    } finally {
      databaseMs += Date.now() - started;
    }
  };
  const options = deps.runtime?.options;
  try {
    if (!deps.quotaWaits || !options || options.quotaWaitMs <= 0) return await once();
    clock.quotaWaitUntil ??= asked + options.quotaWaitMs;
    const { value } = await deps.quotaWaits.run(
      input.companyId.trim(),
      once,
      isHeldInFlight,
      Math.min(clock.quotaWaitUntil, clock.deadline - options.minDispatchMs),
    );
    return value;
  } catch (error) {
    const waited = Date.now() - asked - databaseMs;
    if (!isHeldInFlight(error) || waited < 1) throw error;
    throw new DomainError('TOKEN_BUSY', `${error.message} (waited ${waited} ms in line for them to settle)`, {
      details: { ...error.details, waitedMs: waited },
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    });
  } finally {
    clock.databaseMs += databaseMs;
    clock.quotaMs += Math.max(0, Date.now() - asked - databaseMs);
    deps.observer?.databaseWait(databaseMs);
    const deadlineMs = clock.deadline - clock.receivedAt;
    if (databaseMs > deadlineMs / 4)
      log(
        'WARNING',
        `Waited ${databaseMs} ms on the database for a key, over a quarter of the ${deadlineMs} ms deadline`,
        {
          dbWaitMs: databaseMs,
        },
      );
  }
}
