import type { CacheStats } from '@invoicegw/core';
import type { ServerDeps } from '../server-deps.ts';

/**
 * The old `/cache/status` shape (status, item_count, age_seconds, load_count, ttl, expires_in)
 * plus full stats. Entries are counted in the database, so every instance reports the same.
 */
export async function readCacheStatus(deps: ServerDeps) {
  const stats: CacheStats = await deps.core.runtime.cache.readStats();
  const ttl = stats.ttlMs / 1000;
  const age = stats.oldestAgeMs === null ? 0 : Math.round(stats.oldestAgeMs / 10) / 100;
  const status = stats.entries === 0 ? 'empty' : 'valid';
  return {
    cache: {
      status,
      item_count: stats.entries,
      age_seconds: age,
      load_count: stats.misses,
      ttl,
      ...(status === 'empty' ? {} : { expires_in: Math.max(0, Math.round((ttl - age) * 100) / 100) }),
    },
    message: status === 'valid' ? 'Cache is healthy' : 'Cache needs refresh',
    stats,
  };
}

/** Empties the result cache (one company's entries, or all), for every instance. */
export async function invalidateCache(deps: ServerDeps, companyId?: string) {
  const removed = await deps.core.runtime.cache.invalidate(companyId);
  return {
    status: 'success',
    message: 'Cache invalidated. Next request will refresh from database.',
    removed,
  };
}
