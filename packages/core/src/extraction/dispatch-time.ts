import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { type AcquireInput, acquireKey, type KeyLease } from '../ledger/acquire-key.ts';

/** Where a request's time went before a provider call could start. */
export type WaitCause = 'intake' | 'database' | 'attempts';

/** What the server turns into metrics; core stays free of any metrics library. */
export interface ExtractionObserver {
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
}

export function startClock(receivedAt: number, deadlineMs: number): RequestClock {
  return { receivedAt, deadline: receivedAt + deadlineMs, intakeMs: undefined, databaseMs: 0 };
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
  const attemptsMs = Math.max(0, Math.round(now - clock.receivedAt) - intakeMs - databaseMs);
  const spent: Record<WaitCause, number> = { intake: intakeMs, database: databaseMs, attempts: attemptsMs };
  const cause = (Object.keys(spent) as WaitCause[]).reduce((a, b) => (spent[b] > spent[a] ? b : a));
  const remainingMs = Math.max(0, Math.round(clock.deadline - now));
  const where = {
    intake: 'receiving and checking the upload',
    database: 'waiting on the database for a key',
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
        attemptsMs,
      },
      retryAfterSeconds: 5,
    },
  );
  return { cause, error };
}

/** acquireKey, timed: the wait on the database counts against the deadline and is reported. */
export async function acquireTimed(
  deps: CoreDeps & { observer?: ExtractionObserver | undefined },
  clock: RequestClock,
  input: AcquireInput,
  log: (level: 'WARNING', message: string, extra?: Record<string, unknown>) => void,
): Promise<KeyLease> {
  const asked = Date.now();
  clock.intakeMs ??= asked - clock.receivedAt;
  try {
    return await acquireKey(deps, input);
  } finally {
    const waited = Date.now() - asked;
    clock.databaseMs += waited;
    deps.observer?.databaseWait(waited);
    const deadlineMs = clock.deadline - clock.receivedAt;
    if (waited > deadlineMs / 4)
      log(
        'WARNING',
        `Waited ${waited} ms on the database for a key, over a quarter of the ${deadlineMs} ms deadline`,
        {
          dbWaitMs: waited,
        },
      );
  }
}
