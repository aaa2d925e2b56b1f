import { type DomainError, isDomainError } from '../errors/domain-error.ts';

/** How often the first in line looks again without being woken: settles on other replicas. */
export interface FairQueueOptions {
  /** The shortest pause between two looks (ms). */
  pollMinMs: number;
  /** The longest; each pause is drawn between the two, so replicas do not look in step. */
  pollMaxMs: number;
  random: () => number;
}

const DEFAULTS: FairQueueOptions = { pollMinMs: 200, pollMaxMs: 500, random: Math.random };

/** One request in line. */
class Waiter {
  private wakeTurn: (() => void) | undefined;
  private readonly turn: Promise<void>;
  private wakeNap: (() => void) | undefined;
  private nudged = false;
  first = false;

  constructor() {
    this.turn = new Promise<void>((resolve) => {
      this.wakeTurn = resolve;
    });
  }

  /** Now first in line. */
  promote(): void {
    this.first = true;
    this.wakeTurn?.();
  }

  /** Something was given back: look again now (or right after the look in progress). */
  nudge(): void {
    this.nudged = true;
    this.wakeNap?.();
  }

  /** Until first in line; false when `until` came first. */
  async untilFirst(until: number): Promise<boolean> {
    if (this.first) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, until - Date.now()));
    });
    try {
      return await Promise.race([this.turn.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Pauses `ms`, or less when nudged; a nudge that came during the last look ends it at once. */
  async nap(ms: number): Promise<void> {
    if (this.nudged) {
      this.nudged = false;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wakeNap = resolve;
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    clearTimeout(timer);
    this.wakeNap = undefined;
    this.nudged = false;
  }
}

/**
 * A fair line per key (a company): requests that cannot be served yet wait in arrival order
 * rather than being refused. Only the first in line looks (one database read per look, not
 * one per waiter); it looks again when woken (this process gave something back) and every
 * 200–500 ms (another replica may have), until served, refused for good, or out of time.
 * Then the next one becomes first and looks at once. A newcomer joins the back of a line that
 * is not empty, so nobody is overtaken. One per process, like the runtime that holds it.
 */
export class FairQueue {
  private readonly lines = new Map<string, Waiter[]>();
  private readonly options: FairQueueOptions;

  constructor(options: Partial<FairQueueOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Something was given back on `key` (a hold settled or released, a slot freed): the first looks again. */
  wake(key: string): void {
    this.lines.get(key)?.[0]?.nudge();
  }

  /** How many wait on `key`. */
  waiting(key: string): number {
    return this.lines.get(key)?.length ?? 0;
  }

  /**
   * `attempt` at once when nobody waits on `key`; otherwise, or when it fails with an error
   * `mayWait` accepts, in line until `until` (epoch ms). A waiter whose time runs out before
   * its turn makes one last attempt, whose error says why (busy, or refused for good).
   */
  async run<T>(
    key: string,
    attempt: () => Promise<T>,
    mayWait: (error: unknown) => boolean,
    until: number,
  ): Promise<{ value: T; waitedMs: number }> {
    const started = Date.now();
    if (this.waiting(key) === 0) {
      try {
        return { value: await attempt(), waitedMs: 0 };
      } catch (error) {
        if (!mayWait(error) || Date.now() >= until) throw error;
      }
    }
    const me = new Waiter();
    const line = this.lines.get(key) ?? [];
    this.lines.set(key, line);
    line.push(me);
    const lookedJustNow = line.length === 1;
    if (lookedJustNow) me.promote();
    try {
      if (!(await me.untilFirst(until))) return { value: await attempt(), waitedMs: Date.now() - started };
      // First: look, pause, look again. One that was first at once has just looked: it pauses first.
      for (let look = lookedJustNow ? 1 : 0; ; look++) {
        if (look > 0) await me.nap(Math.min(until - Date.now(), this.pause()));
        try {
          return { value: await attempt(), waitedMs: Date.now() - started };
        } catch (error) {
          if (!mayWait(error) || Date.now() >= until) throw error;
        }
      }
    } finally {
      this.leave(key, me);
    }
  }

  private pause(): number {
    const { pollMinMs, pollMaxMs, random } = this.options;
    return pollMinMs + random() * Math.max(0, pollMaxMs - pollMinMs);
  }

  private leave(key: string, me: Waiter): void {
    const line = this.lines.get(key);
    if (!line) return;
    const at = line.indexOf(me);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) this.lines.delete(key);
    else if (at === 0) line[0]?.promote();
  }
}

/** TOKEN_BUSY because quota is held by requests in flight (explainNoKey): settles will free it. */
export function isHeldInFlight(error: unknown): error is DomainError {
  return isDomainError(error, 'TOKEN_BUSY') && error.details.heldInFlight === true;
}
