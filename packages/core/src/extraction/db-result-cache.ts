import {
  countCachedResults,
  type DbHandle,
  deleteCachedResults,
  findCachedResult,
  pruneCachedResults,
  storeCachedResult,
  trimCachedResults,
} from '@invoicegw/db';
import type { CacheStats, ResultStore } from './result-cache.ts';

/** Results whose JSON is larger are not stored (an invoice's is a few kB). */
export const DEFAULT_CACHE_MAX_RESULT_BYTES = 512 * 1024;

export interface DbResultCacheOptions {
  ttlMs: number;
  /** Rows kept at most (pruning trims the rest, soonest to expire first); 0 turns the cache off. */
  maxEntries: number;
  maxResultBytes?: number | undefined;
}

/**
 * The result cache in the database (ResultCache): every instance on the database answers an
 * identical upload by the same company from the same row, and a restart keeps them. Nothing is
 * kept in memory but counters.
 */
export class DbResultCache<T> implements ResultStore<T> {
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #invalidations = 0;
  #tooLarge = 0;
  #counted: { entries: number; bytes: number; oldestAt: number | null } = {
    entries: 0,
    bytes: 0,
    oldestAt: null,
  };
  readonly #maxResultBytes: number;

  constructor(
    private readonly db: DbHandle,
    private readonly options: DbResultCacheOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#maxResultBytes = options.maxResultBytes ?? DEFAULT_CACHE_MAX_RESULT_BYTES;
  }

  get #enabled(): boolean {
    return this.options.maxEntries > 0 && this.options.ttlMs > 0;
  }

  async get(companyId: string, sha256: string): Promise<T | undefined> {
    if (!this.#enabled) {
      this.#misses += 1;
      return undefined;
    }
    const row = await findCachedResult(this.db, companyId, sha256, this.now());
    let value: T | undefined;
    try {
      value = row ? (JSON.parse(row.resultJson) as T) : undefined;
    } catch {
      // A row that does not parse is as good as none; the next store replaces it when it expires.
      value = undefined;
    }
    if (value === undefined) this.#misses += 1;
    else this.#hits += 1;
    return value;
  }

  async set(companyId: string, sha256: string, value: T): Promise<void> {
    if (!this.#enabled) return;
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json, 'utf8') > this.#maxResultBytes) {
      this.#tooLarge += 1;
      return;
    }
    const now = this.now();
    const stored = await storeCachedResult(this.db, {
      companyId,
      fileSha256: sha256,
      resultJson: json,
      requestId: (value as { requestId?: string }).requestId ?? null,
      now,
      expiresAt: new Date(now.getTime() + this.options.ttlMs),
    });
    if (stored) this.#counted.entries += 1;
  }

  async invalidate(companyId?: string): Promise<number> {
    const removed = await deleteCachedResults(this.db, companyId);
    this.#invalidations += 1;
    this.#counted.entries = Math.max(0, this.#counted.entries - removed);
    return removed;
  }

  async prune(now: Date, maxRows: number): Promise<number> {
    const expired = await pruneCachedResults(this.db, now, maxRows);
    const trimmed =
      expired < maxRows
        ? await trimCachedResults(this.db, Math.max(0, this.options.maxEntries), maxRows - expired)
        : 0;
    this.#evictions += expired + trimmed;
    await this.readStats();
    return expired + trimmed;
  }

  stats(): CacheStats {
    const { oldestAt } = this.#counted;
    return {
      entries: this.#counted.entries,
      maxEntries: this.options.maxEntries,
      ttlMs: this.options.ttlMs,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      invalidations: this.#invalidations,
      oldestAgeMs: oldestAt === null ? null : Math.max(0, this.now().getTime() - oldestAt),
      store: 'database',
      tooLarge: this.#tooLarge,
      storedBytes: this.#counted.bytes,
    };
  }

  async readStats(): Promise<CacheStats> {
    const counts = await countCachedResults(this.db, this.now());
    this.#counted = {
      entries: counts.entries,
      bytes: counts.bytes,
      oldestAt: counts.oldestCreatedAt === null ? null : Date.parse(counts.oldestCreatedAt),
    };
    return this.stats();
  }
}
