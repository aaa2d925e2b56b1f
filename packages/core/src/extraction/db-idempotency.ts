import { randomUUID } from 'node:crypto';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  type DbHandle,
  getIdempotencyRecord,
  type IdempotencyClaim,
  pruneIdempotencyKeys,
  releaseIdempotencyKey,
  takeOverIdempotencyKey,
} from '@invoicegw/db';
import type { Logger } from '../logging/logger.ts';
import {
  checkIdempotencyKey,
  type IdempotencyRecords,
  type IdempotencyRunOptions,
  idempotencyConflict,
  idempotencyInProgress,
} from './idempotency.ts';

export interface DbIdempotencyOptions {
  /** How long a finished request's result is replayed. */
  ttlMs: number;
  /**
   * How long a claim holds before another instance may take it over (its claimer presumed dead):
   * longer than any request can run (the deadline, plus an attempt, plus settling).
   */
  leaseMs: number;
  /** The longest a request waits for the same key in progress elsewhere (also bounded by its deadline). */
  waitMs: number;
  /** First poll interval while waiting; it grows to 500 ms. */
  pollMs?: number | undefined;
  logger?: Logger | undefined;
}

interface Local<T> {
  fileSha: string;
  result: Promise<T>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Idempotency records in the database (IdempotencyKeys), shared by every instance and kept over
 * a restart. The first request claims the key with an insert-if-missing 'pending' row under a
 * lease, runs, and stores its result; a request for the same key elsewhere polls until that
 * result is there (replayed, never repeated), the claim is given up or its lease lapses (then it
 * claims the key itself), or its wait ends (IDEMPOTENCY_CONFLICT "in progress", with Retry-After).
 * On this process, a request joins the running one directly.
 */
export class DbIdempotencyStore<T> implements IdempotencyRecords<T> {
  readonly #local = new Map<string, Local<T>>();

  constructor(
    private readonly db: DbHandle,
    private readonly options: DbIdempotencyOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async run(
    companyId: string,
    key: string,
    fileSha: string,
    work: () => Promise<T>,
    runOptions: IdempotencyRunOptions = {},
  ): Promise<{ result: T; replayed: boolean }> {
    checkIdempotencyKey(key);
    const id = `${companyId}\n${key}`;
    const waitUntil = Math.min(
      runOptions.waitUntil ?? Number.POSITIVE_INFINITY,
      this.now() + this.options.waitMs,
    );
    let poll = Math.max(10, this.options.pollMs ?? 50);
    for (let round = 0; ; round += 1) {
      const local = this.#local.get(id);
      if (local) {
        if (local.fileSha !== fileSha) throw idempotencyConflict(key);
        return { result: await local.result, replayed: true };
      }
      const now = this.now();
      const claim: IdempotencyClaim = {
        companyId,
        idempotencyKey: key,
        fileSha256: fileSha,
        ownerId: randomUUID(),
        requestId: runOptions.requestId ?? null,
        now: new Date(now),
        leaseExpiresAt: new Date(now + this.options.leaseMs),
      };
      if (await claimIdempotencyKey(this.db, claim)) return this.#own(id, claim, work);
      const record = await getIdempotencyRecord(this.db, companyId, key);
      // Given up (its request failed) between our claim and our read: claim it again, a few
      // times at most (others may keep winning it).
      if (!record) {
        if (round >= 20 || now >= waitUntil) throw idempotencyInProgress(key, 1);
        continue;
      }
      const expiresAt = Date.parse(record.expiresAt);
      if (expiresAt <= now) {
        // A dead claimer's lease, or a result past its TTL: the key is free again.
        if (await takeOverIdempotencyKey(this.db, claim)) return this.#own(id, claim, work);
        if (round >= 20 || now >= waitUntil) throw idempotencyInProgress(key, 1);
        continue;
      }
      if (record.fileSha256 !== fileSha) throw idempotencyConflict(key);
      if (record.state === 'done' && record.resultJson !== null) {
        return { result: JSON.parse(record.resultJson) as T, replayed: true };
      }
      // In progress on another instance: wait for it, within our own time.
      if (now >= waitUntil) {
        throw idempotencyInProgress(key, Math.max(1, Math.min(30, Math.ceil((expiresAt - now) / 1000))));
      }
      await sleep(Math.max(1, Math.min(poll, waitUntil - now, expiresAt - now)));
      poll = Math.min(500, Math.round(poll * 1.5));
    }
  }

  async #own(
    id: string,
    claim: IdempotencyClaim,
    work: () => Promise<T>,
  ): Promise<{ result: T; replayed: boolean }> {
    const result = (async () => work())();
    const local: Local<T> = { fileSha: claim.fileSha256, result };
    this.#local.set(id, local);
    const ref = { companyId: claim.companyId, idempotencyKey: claim.idempotencyKey, ownerId: claim.ownerId };
    try {
      let value: T;
      try {
        value = await result;
      } catch (error) {
        // A failure is not remembered: the client may try again with the same key.
        await releaseIdempotencyKey(this.db, ref).catch((e: unknown) =>
          this.#warn(
            `Could not give up the claim on an Idempotency-Key; it lapses with its lease: ${(e as Error).message}`,
          ),
        );
        throw error;
      }
      try {
        const stored = await completeIdempotencyKey(this.db, {
          ...ref,
          resultJson: JSON.stringify(value),
          expiresAt: new Date(this.now() + this.options.ttlMs),
        });
        if (!stored)
          this.#warn(
            'An Idempotency-Key claim lapsed before its request finished; its result was not stored',
          );
      } catch (error) {
        // The request was served and charged: its answer stands, only the replay is lost.
        this.#warn(`Could not store the result of an Idempotency-Key: ${(error as Error).message}`);
      }
      return { result: value, replayed: false };
    } finally {
      if (this.#local.get(id) === local) this.#local.delete(id);
    }
  }

  async prune(now: Date, maxRows: number): Promise<number> {
    return pruneIdempotencyKeys(this.db, now, maxRows);
  }

  #warn(message: string): void {
    this.options.logger?.log('WARNING', 'extraction', message);
  }
}
