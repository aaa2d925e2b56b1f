import { DomainError } from '../errors/domain-error.ts';

/** The longest Idempotency-Key accepted (the routes refuse longer ones first, as a 400). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Entries kept at most; the oldest goes first. With keys of ≤ 200 characters, memory is bounded. */
export const DEFAULT_IDEMPOTENCY_MAX_ENTRIES = 5000;

export interface IdempotencyRunOptions {
  /** Epoch ms: how long to wait for the same key being worked on elsewhere (the request's deadline). */
  waitUntil?: number | undefined;
  /** The request that claims the key, recorded for operators. */
  requestId?: string | undefined;
}

/**
 * A client's retried request (same Idempotency-Key, same company) gets the first result instead
 * of being charged twice; a request still running is waited for, not repeated. The same key
 * with another file is IDEMPOTENCY_CONFLICT. `IdempotencyStore` keeps the records in memory
 * (per process); `DbIdempotencyStore` in the database, shared by every instance.
 */
export interface IdempotencyRecords<T> {
  run(
    companyId: string,
    key: string,
    fileSha: string,
    work: () => Promise<T>,
    options?: IdempotencyRunOptions,
  ): Promise<{ result: T; replayed: boolean }>;
  /** Deletes records past their time, at most `maxRows`. Returns how many went. */
  prune?(now: Date, maxRows: number): Promise<number>;
}

/** Refuses a key longer than the column holds, before anything is remembered. */
export function checkIdempotencyKey(key: string): void {
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new DomainError(
      'INVALID_INPUT',
      `The Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
}

export function idempotencyConflict(key: string): DomainError {
  return new DomainError(
    'IDEMPOTENCY_CONFLICT',
    'This Idempotency-Key was already used for a different file',
    {
      details: { idempotencyKey: key },
    },
  );
}

/** The first request with this key is still running (on this or another instance) past our wait. */
export function idempotencyInProgress(key: string, retryAfterSeconds: number): DomainError {
  return new DomainError(
    'IDEMPOTENCY_CONFLICT',
    'A request with this Idempotency-Key is still in progress; retry later to get its result',
    { details: { idempotencyKey: key, inProgress: true }, retryAfterSeconds },
  );
}

interface Entry<T> {
  fileSha: string;
  result: Promise<T>;
  expiresAt: number;
}

/**
 * Idempotency records in memory, per process, for `ttlMs`, and at most `maxEntries` keys: beyond
 * that the oldest is forgotten. A request still running is joined.
 */
export class IdempotencyStore<T> implements IdempotencyRecords<T> {
  readonly #entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries: number = DEFAULT_IDEMPOTENCY_MAX_ENTRIES,
  ) {}

  /** Keys remembered now (expired ones are dropped on the next call). */
  get size(): number {
    return this.#entries.size;
  }

  async run(
    companyId: string,
    key: string,
    fileSha: string,
    work: () => Promise<T>,
    _options?: IdempotencyRunOptions,
  ): Promise<{ result: T; replayed: boolean }> {
    checkIdempotencyKey(key);
    this.#sweep();
    const id = `${companyId}\n${key}`;
    const existing = this.#entries.get(id);
    if (existing) {
      if (existing.fileSha !== fileSha) throw idempotencyConflict(key);
      return { result: await existing.result, replayed: true };
    }
    const result = work();
    const entry: Entry<T> = { fileSha, result, expiresAt: this.now() + this.ttlMs };
    while (this.#entries.size >= Math.max(1, this.maxEntries)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, entry);
    try {
      return { result: await result, replayed: false };
    } catch (error) {
      // A failure is not remembered: the client may try again with the same key.
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      throw error;
    }
  }

  #sweep(): void {
    const now = this.now();
    // Every entry lives ttlMs from its insertion, so the map is in expiry order: stop at the first live one.
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(id);
    }
  }
}
