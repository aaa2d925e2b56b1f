import { DomainError } from '../errors/domain-error.ts';

/**
 * A client's retried request (same Idempotency-Key) gets the first result instead of being
 * charged twice; a request still running is joined, not repeated. In memory, per process.
 */
export class IdempotencyStore<T> {
  readonly #entries = new Map<string, { fileSha: string; result: Promise<T>; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async run(
    companyId: string,
    key: string,
    fileSha: string,
    work: () => Promise<T>,
  ): Promise<{ result: T; replayed: boolean }> {
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
    this.#entries.set(id, { fileSha, result, expiresAt: this.now() + this.ttlMs });
    try {
      return { result: await result, replayed: false };
    } catch (error) {
      // A failure is not remembered: the client may try again with the same key.
      this.#entries.delete(id);
      throw error;
    }
  }

  #sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id);
  }
}
