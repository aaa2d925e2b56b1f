/**
 * Extraction results by company and file hash: an identical upload costs no tokens. In memory,
 * per process, least recently used out first.
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
}

export class ResultCache<T> {
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

  get(companyId: string, sha256: string): T | undefined {
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

  set(companyId: string, sha256: string, value: T): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    const key = `${companyId}\n${sha256}`;
    this.#entries.delete(key);
    this.#entries.set(key, { value, storedAt: this.now() });
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
      this.#evictions += 1;
    }
  }

  /** Drops one company's entries, or all of them. Returns how many went. */
  invalidate(companyId?: string): number {
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
    };
  }
}
