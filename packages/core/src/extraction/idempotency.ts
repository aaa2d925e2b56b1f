import { DomainError } from '../errors/domain-error.ts';

/** The longest Idempotency-Key accepted (the routes refuse longer ones first, as a 400). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Entries kept at most; the oldest goes first. With keys of ≤ 200 characters, memory is bounded. */
export const DEFAULT_IDEMPOTENCY_MAX_ENTRIES = 5000;

interface Entry<T> {
  fileSha: string;
  result: Promise<T>;
  expiresAt: number;
}

/**
 * A client's retried request (same Idempotency-Key) gets the first result instead of being
 * charged twice; a request still running is joined, not repeated. In memory, per process,
 * for `ttlMs`, and at most `maxEntries` keys: beyond that the oldest is forgotten.
 */
export class IdempotencyStore<T> {
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
  ): Promise<{ result: T; replayed: boolean }> {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new DomainError(
        'INVALID_INPUT',
        `The Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      );
    }
    this.#sweep();
    const id = `${companyId}\n${key}`;
    const existing = this.#entries.get(id);
    if (existing) {
      if (existing.fileSha !== fileSha) {
        throw new DomainError(
          'IDEMPOTENCY_CONFLICT',
          'This Idempotency-Key was already used for a different file',
          {
            details: { idempotencyKey: key },
          },
        );
      }
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
