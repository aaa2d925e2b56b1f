/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Caller } from '../caller.ts';
import { Alert, Notice } from '../components/messages.tsx';
import { int } from '../format.ts';

type Out<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;
export type CacheStatus = Out<Caller['monitoring']['cacheStatus']>;

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '—' : `${int(Math.round(ms / 1000))} s`;

/** The result cache: shared through the database (every replica sees the same entries) or this process's. */
export function CachePage({
  status,
  notice,
  error,
}: {
  status: CacheStatus;
  notice?: string | undefined;
  error?: string | undefined;
}) {
  const s = status.stats;
  const shared = s.store === 'database';
  return (
    <>
      <h1>Result cache</h1>
      <Notice text={notice} />
      <Alert text={error} />
      <section class="card" aria-labelledby="cache-now">
        <h2 id="cache-now">
          {status.cache.status === 'empty' ? 'Empty' : 'In use'}:{' '}
          {shared ? 'shared by every replica (database)' : 'this replica only (memory)'}
        </h2>
        <dl class="facts">
          <dt>Entries</dt>
          <dd>
            {int(s.entries)} of at most {int(s.maxEntries)}
          </dd>
          <dt>Time to live</dt>
          <dd>{seconds(s.ttlMs)}</dd>
          <dt>Oldest entry</dt>
          <dd>{seconds(s.oldestAgeMs)}</dd>
          <dt>Hits / misses</dt>
          <dd>
            {int(s.hits)} / {int(s.misses)} <span class="muted">(this replica since start)</span>
          </dd>
          <dt>Evictions / invalidations</dt>
          <dd>
            {int(s.evictions)} / {int(s.invalidations)}
          </dd>
          {s.storedBytes === undefined ? null : (
            <>
              <dt>Stored</dt>
              <dd>{int(s.storedBytes)} bytes</dd>
            </>
          )}
          {s.tooLarge === undefined ? null : (
            <>
              <dt>Too large to store</dt>
              <dd>{int(s.tooLarge)}</dd>
            </>
          )}
        </dl>
      </section>
      <form class="card" method="post" action="/ui/cache/invalidate" aria-labelledby="invalidate-h">
        <h2 id="invalidate-h">Invalidate</h2>
        <p class="muted">The next request for a cached file is extracted again (and charged).</p>
        <label for="cache-company">
          Company <span class="hint">(empty: every company)</span>
        </label>
        <input id="cache-company" name="companyId" type="text" maxlength={50} />
        <button type="submit" class="danger">
          Invalidate cache
        </button>
      </form>
    </>
  );
}
