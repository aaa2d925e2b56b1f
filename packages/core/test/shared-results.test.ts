import { claimIdempotencyKey, getIdempotencyRecord, listUsageLogs } from '@invoicegw/db';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DbIdempotencyStore } from '../src/extraction/db-idempotency.ts';
import { DbResultCache } from '../src/extraction/db-result-cache.ts';
import { type ExtractionDeps, extractInvoice } from '../src/extraction/extract-invoice.ts';
import type { ExtractionOptions } from '../src/extraction/extraction-options.ts';
import type { ExtractionResult } from '../src/extraction/extraction-result.ts';
import { createExtractionRuntime } from '../src/extraction/extraction-runtime.ts';
import { pruneStoredResults } from '../src/extraction/prune-stored-results.ts';
import { SingleFlight } from '../src/extraction/single-flight.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

// The result cache and idempotency records in the database, as the server wires them: two
// runtimes on one database stand for two instances (the server tests run real processes).
let emulator: Emulator;
let core: TestCore;
let tokenId: number;
const PDF = renderInvoicePdf(DEMO_INVOICE, { compress: true });
const pdf = (invoiceNo: string) => renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: invoiceNo });
let n = 0;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  emulator.reset();
  core = await createTestCore();
  tokenId = (await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('shared') })).tokenId;
});
afterEach(async () => {
  await core.dispose();
});

interface StoreOptions {
  options?: Partial<ExtractionOptions>;
  waitMs?: number;
  leaseMs?: number;
  maxResultBytes?: number;
}

/** One instance: its own runtime (breakers, flights), the shared database's stores. */
function instance(o: StoreOptions = {}): ExtractionDeps & {
  cache: DbResultCache<ExtractionResult>;
} {
  const base = extractionDeps(core, emulator, o.options);
  const options = base.runtime.options;
  const cache = new DbResultCache<ExtractionResult>(
    core.db,
    { ttlMs: options.cacheTtlMs, maxEntries: options.cacheMaxEntries, maxResultBytes: o.maxResultBytes },
    () => core.now(),
  );
  const idempotency = new DbIdempotencyStore<ExtractionResult>(
    core.db,
    {
      ttlMs: options.idempotencyTtlMs,
      leaseMs: o.leaseMs ?? 60_000,
      waitMs: o.waitMs ?? 10_000,
      pollMs: 10,
      logger: core.logger,
    },
    () => core.now().getTime(),
  );
  return {
    ...core,
    cache,
    runtime: createExtractionRuntime(base.runtime.model, options, Math.random, { cache, idempotency }),
  };
}

const extract = (d: ExtractionDeps, extra: Partial<Parameters<typeof extractInvoice>[1]> = {}) =>
  extractInvoice(d, {
    requestId: `req-${++n}`,
    companyId: 'NT047',
    username: 'tester',
    file: { bytes: PDF, declaredType: 'application/pdf' },
    ...extra,
  });

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return e as { code: string; message: string; retryAfterSeconds?: number; details?: unknown };
  }
  throw new Error('expected a failure');
}

const usageRows = async () => (await listUsageLogs(core.db, {}, { limit: 100 })).length;

describe('one process: identical uploads in flight share one provider call', () => {
  it('SingleFlight shares the outcome, success or failure, and keeps nothing afterwards', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    let release!: (v: string) => void;
    const first = flights.run('k', () => {
      calls += 1;
      return new Promise<string>((r) => (release = r));
    });
    const second = flights.run('k', async () => `called ${++calls}`);
    expect(flights.size).toBe(1);
    release('one');
    expect(await Promise.all([first, second])).toEqual([
      { result: 'one', shared: false },
      { result: 'one', shared: true },
    ]);
    expect(flights.size).toBe(0);
    const failing = flights.run('k', async () => {
      throw new Error('boom');
    });
    const joined = flights.run('k', async () => 'never');
    await expect(failing).rejects.toThrow('boom');
    await expect(joined).rejects.toThrow('boom');
    expect((await flights.run('k', async () => 'again')).shared).toBe(false);
    expect(calls).toBe(1);
  });

  it('two identical uploads at once: one provider call, one charge; the other answer is cached, at zero cost', async () => {
    const d = instance();
    emulator.queueFaults([{ type: 'slow', delayMs: 150 }]);
    const [a, b] = await Promise.all([extract(d), extract(d, { file: { bytes: Buffer.from(PDF) } })]);
    expect(emulator.requests()).toHaveLength(1);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
    expect(a.data).toEqual(b.data);
    const shared = a.cached ? a : b;
    expect(shared.usage.totalTokens).toBe(0);
    expect(shared.attempts).toEqual([]);
    expect(await usageRows()).toBe(1);
    await expectExactLedger(core, emulator);
  });
});

describe('the result cache in the database', () => {
  it('an identical upload to another instance is answered from the row the first stored; companies never share', async () => {
    const a = instance();
    const b = instance();
    const first = await extract(a);
    const second = await extract(b, { file: { bytes: Buffer.from(PDF) } });
    expect(second).toMatchObject({
      cached: true,
      idempotentReplay: false,
      usage: { totalTokens: 0 },
      attempts: [],
      data: first.data,
      file: first.file,
      keyHint: first.keyHint,
    });
    expect(second.requestId).not.toBe(first.requestId);
    expect(emulator.requests()).toHaveLength(1);
    expect(await b.cache.readStats()).toMatchObject({ entries: 1, hits: 1, misses: 0, store: 'database' });
    await addToken(core, OPS, { companyId: 'OTHER', apiKey: fakeKey('shared-other') });
    expect((await extract(b, { companyId: 'OTHER' })).cached).toBe(false);
    expect(emulator.requests()).toHaveLength(2);
    // Invalidation on one instance is seen by every other.
    expect(await a.runtime.cache.invalidate('NT047')).toBe(1);
    expect((await extract(b)).cached).toBe(false);
    await expectExactLedger(core, emulator);
  });

  it('serves only a company that could be served uncached, with the same error and text', async () => {
    const d = instance();
    await extract(d);
    const calls = emulator.requests().length;
    const set = (assignments: string) =>
      sql`UPDATE TokenMaster SET ${sql.raw(assignments)} WHERE TokenID = ${tokenId}`.execute(core.db.db);
    const cases: Array<[string, string, string]> = [
      ["Status = 'Expired'", 'TOKEN_EXPIRED', 'Token expired'],
      ["Status = 'Disabled'", 'TOKEN_DISABLED', 'Token disabled'],
      ["Status = 'Exceeded'", 'TOKEN_LIMIT_EXCEEDED', 'Token limit exceeded'],
      ["Status = 'Invalid'", 'TOKEN_INVALID', 'Token invalid'],
      ["Status = 'Active', TotalTokenLimit = 100", 'TOKEN_LIMIT_EXCEEDED', 'Token limit exceeded'],
      [
        "Status = 'Active', TotalTokenLimit = 100000, DeletedAt = '2026-01-01T00:00:00.000Z'",
        'NO_ACTIVE_TOKEN',
        'No active token found',
      ],
      // Rotated out (grace period running): acquireKey does not use it either.
      ["DeletedAt = NULL, RetiresAt = '9999-01-01T00:00:00.000Z'", 'TOKEN_DISABLED', 'Token disabled'],
      // Past ExpiresAt but not yet marked by the sweeper: last, as the uncached call marks it Expired.
      ["RetiresAt = NULL, ExpiresAt = '2020-01-01T00:00:00.000Z'", 'TOKEN_EXPIRED', 'Token expired'],
    ];
    for (const [assignments, code, text] of cases) {
      await set(assignments);
      const cached = await failure(extract(d));
      const uncached = await failure(extract(d, { file: { bytes: pdf(`uncached-${code}`) } }));
      expect([assignments, cached.code, cached.message]).toEqual([assignments, code, uncached.message]);
      expect(cached.message).toContain(text);
    }
    await set("Status = 'Active', ExpiresAt = NULL");
    expect(await extract(d)).toMatchObject({ cached: true, usage: { totalTokens: 0 } });
    // A provider cooldown does not stop a stored answer: it calls no provider.
    await set(`CooldownUntil = '${new Date(Date.now() + 3_600_000).toISOString()}'`);
    expect((await extract(d)).cached).toBe(true);
    expect(emulator.requests().length).toBe(calls);
    await expectExactLedger(core, emulator);
  });

  it('skips results over the size cap, and prunes rows past their TTL', async () => {
    const small = instance({ maxResultBytes: 100 });
    await extract(small);
    expect((await extract(small)).cached).toBe(false);
    expect(small.cache.stats().tooLarge).toBe(2);
    const d = instance({ options: { cacheTtlMs: 60_000 } });
    await extract(d);
    expect((await extract(d)).cached).toBe(true);
    expect(await pruneStoredResults(d)).toEqual({ cacheRows: 0, idempotencyRows: 0 });
    core.advance(60_001);
    expect((await d.cache.readStats()).entries).toBe(0);
    expect(await pruneStoredResults(d)).toEqual({ cacheRows: 1, idempotencyRows: 0 });
    expect(await core.db.db.selectFrom('ResultCache').selectAll().execute()).toEqual([]);
  });

  it('keeps at most cacheMaxEntries rows after a pruning pass', async () => {
    const d = instance({ options: { cacheMaxEntries: 2 } });
    for (const no of ['T-1', 'T-2', 'T-3']) await extract(d, { file: { bytes: pdf(no) } });
    expect((await d.cache.readStats()).entries).toBe(3);
    expect(await pruneStoredResults(d)).toEqual({ cacheRows: 1, idempotencyRows: 0 });
    expect(d.cache.stats()).toMatchObject({ entries: 2, evictions: 1 });
  });
});

describe('idempotency records in the database', () => {
  it('the same key to two instances, one after the other and at once: one call, one charge, equal answers', async () => {
    const a = instance({ options: { cacheMaxEntries: 0 } });
    const b = instance({ options: { cacheMaxEntries: 0 } });
    const first = await extract(a, { idempotencyKey: 'seq' });
    const again = await extract(b, { idempotencyKey: 'seq' });
    expect(again).toMatchObject({ idempotentReplay: true, usage: { totalTokens: 0 }, data: first.data });
    expect(emulator.requests()).toHaveLength(1);

    emulator.queueFaults([{ type: 'slow', delayMs: 200 }]);
    const [x, y] = await Promise.all([
      extract(a, { idempotencyKey: 'conc', file: { bytes: pdf('CONC') } }),
      extract(b, { idempotencyKey: 'conc', file: { bytes: pdf('CONC') } }),
    ]);
    expect(emulator.requests()).toHaveLength(2);
    expect([x.idempotentReplay, y.idempotentReplay].sort()).toEqual([false, true]);
    expect(x.data).toEqual(y.data);
    expect(await usageRows()).toBe(2);
    // Another file under a used key is a conflict, on any instance.
    expect(await failure(extract(b, { idempotencyKey: 'seq', file: { bytes: pdf('OTHER') } }))).toMatchObject(
      {
        code: 'IDEMPOTENCY_CONFLICT',
        message: 'This Idempotency-Key was already used for a different file',
      },
    );
    expect(await getIdempotencyRecord(core.db, 'NT047', 'seq')).toMatchObject({
      state: 'done',
      requestId: first.requestId,
    });
    await expectExactLedger(core, emulator);
  });

  it('a key in progress elsewhere past the wait answers "in progress" with a retry hint, and calls nothing', async () => {
    const d = instance({ waitMs: 150 });
    const file = renderInvoicePdf(DEMO_INVOICE, { compress: true });
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(file).digest('hex');
    await claimIdempotencyKey(core.db, {
      companyId: 'NT047',
      idempotencyKey: 'busy',
      fileSha256: sha,
      ownerId: 'another-instance',
      requestId: 'theirs',
      now: core.now(),
      leaseExpiresAt: new Date(core.now().getTime() + 20_000),
    });
    const started = Date.now();
    const error = await failure(extract(d, { idempotencyKey: 'busy' }));
    expect(error).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      message: expect.stringContaining('still in progress'),
      retryAfterSeconds: 20,
      details: { inProgress: true },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.requests()).toEqual([]);
    // Its claimer died: once the lease passes, the next request takes the key over and runs.
    core.advance(20_000);
    const result = await extract(d, { idempotencyKey: 'busy' });
    expect(result.idempotentReplay).toBe(false);
    expect(emulator.requests()).toHaveLength(1);
    expect((await extract(d, { idempotencyKey: 'busy' })).idempotentReplay).toBe(true);
    await expectExactLedger(core, emulator);
  });

  it('a failed request gives its key up; a replay, too, needs a key that could serve; records are pruned', async () => {
    const d = instance({ options: { cacheMaxEntries: 0, idempotencyTtlMs: 60_000 } });
    emulator.queueFaults([{ type: 'bad_request' }]);
    expect((await failure(extract(d, { idempotencyKey: 'k' }))).code).toBe('PROVIDER_REJECTED');
    expect(await getIdempotencyRecord(core.db, 'NT047', 'k')).toBeUndefined();
    const ok = await extract(d, { idempotencyKey: 'k' });
    expect(ok.idempotentReplay).toBe(false);
    await sql`UPDATE TokenMaster SET Status = 'Disabled' WHERE TokenID = ${tokenId}`.execute(core.db.db);
    expect(await failure(extract(d, { idempotencyKey: 'k' }))).toMatchObject({ code: 'TOKEN_DISABLED' });
    await sql`UPDATE TokenMaster SET Status = 'Active' WHERE TokenID = ${tokenId}`.execute(core.db.db);
    expect(await extract(d, { idempotencyKey: 'k' })).toMatchObject({
      idempotentReplay: true,
      data: ok.data,
    });
    core.advance(60_001);
    expect(await pruneStoredResults(d)).toEqual({ cacheRows: 0, idempotencyRows: 1 });
    expect(await getIdempotencyRecord(core.db, 'NT047', 'k')).toBeUndefined();
    await expectExactLedger(core, emulator);
  });
});
