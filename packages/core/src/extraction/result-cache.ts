/**
 * Extraction results by company and file hash: an identical upload costs no tokens. The
 * contract is async so the records can live in the database (`DbResultCache`, shared by every
 * instance); `ResultCache` is the in-memory, per-process version (tests, tools).
 */
export interface CacheStats {
  entries: number;
  maxEntries: number;
  ttlMs: number;
  hits: number;
  misses: number;
  evictions: number;
  invalidations: number;
  oldestAgeMs: number | null;
  /** Where the entries live. */
  store?: 'memory' | 'database';
  /** Results not stored because their JSON was over the size cap. */
  tooLarge?: number;
  /** Σ size of the stored results' JSON, in bytes (database only). */
  storedBytes?: number;
}

export interface ResultStore<T> {
  /** The company's live result for this file, if any. Companies never share entries. */
  get(companyId: string, sha256: string): Promise<T | undefined>;
  set(companyId: string, sha256: string, value: T): Promise<void>;
  /** Drops one company's entries, or all of them. Returns how many went. */
  invalidate(companyId?: string): Promise<number>;
  /** Counters of this process, and the entry count as last read (cheap, for scrapes). */
  stats(): CacheStats;
  /** The same, with the entries counted now. */
  readStats(): Promise<CacheStats>;
  /** Deletes expired entries and those over the size limit, at most `maxRows`. Returns how many went. */
  prune?(now: Date, maxRows: number): Promise<number>;
}

/** In memory, per process, least recently used out first. */
export class ResultCache<T> implements ResultStore<T> {
  readonly #entries = new Map<string, { value: T; storedAt: number }>();
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #invalidations = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(companyId: string, sha256: string): Promise<T | undefined> {
    const key = `${companyId}\n${sha256}`;
    const entry = this.#entries.get(key);
    if (!entry || this.now() - entry.storedAt > this.ttlMs) {
      if (entry) this.#entries.delete(key);
      this.#misses += 1;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#hits += 1;
    return entry.value;
  }

  async set(companyId: string, sha256: string, value: T): Promise<void> {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    const key = `${companyId}\n${sha256}`;
    this.#entries.delete(key);
    this.#entries.set(key, { value, storedAt: this.now() });
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
      this.#evictions += 1;
    }
  }

  async invalidate(companyId?: string): Promise<number> {
    let removed = 0;
    for (const key of [...this.#entries.keys()]) {
      if (companyId === undefined || key.startsWith(`${companyId}\n`)) {
        this.#entries.delete(key);
        removed += 1;
      }
    }
    this.#invalidations += 1;
    return removed;
  }

  stats(): CacheStats {
    const first = this.#entries.values().next().value;
    return {
      entries: this.#entries.size,
      maxEntries: this.maxEntries,
      ttlMs: this.ttlMs,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      invalidations: this.#invalidations,
      oldestAgeMs: first ? this.now() - first.storedAt : null,
      store: 'memory',
    };
  }

  async readStats(): Promise<CacheStats> {
    return this.stats();
  }
}
