import { countingSqliteHandle, type StatementTally } from '@invoicegw/db/testing';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DbIdempotencyStore } from '../src/extraction/db-idempotency.ts';
import { DbResultCache } from '../src/extraction/db-result-cache.ts';
import { type ExtractionDeps, extractInvoice } from '../src/extraction/extract-invoice.ts';
import type { ExtractionResult } from '../src/extraction/extraction-result.ts';
import { createExtractionRuntime } from '../src/extraction/extraction-runtime.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

// Issue 14: what one request costs the database and the logs, counted at the driver (BEGIN and
// COMMIT included) on the real SQLite dialect, with the stores the server wires (ResultCache and
// IdempotencyKeys in the database). These numbers are pinned: a statement added to the hot path
// must be argued for here.
let emulator: Emulator;
let core: TestCore;
let counted: ReturnType<typeof countingSqliteHandle>;
let deps: ExtractionDeps;
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
  await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('hot') });
  counted = countingSqliteHandle(core.database.filename);
  const base = extractionDeps(core, emulator);
  const options = base.runtime.options;
  const cache = new DbResultCache<ExtractionResult>(counted, {
    ttlMs: options.cacheTtlMs,
    maxEntries: options.cacheMaxEntries,
  });
  const idempotency = new DbIdempotencyStore<ExtractionResult>(counted, {
    ttlMs: options.idempotencyTtlMs,
    leaseMs: 60_000,
    waitMs: 10_000,
    logger: core.logger,
  });
  deps = {
    ...core,
    db: counted,
    runtime: createExtractionRuntime(base.runtime.model, options, Math.random, { cache, idempotency }),
  };
});
afterEach(async () => {
  await counted.close();
  await core.dispose();
});

const pdf = (invoiceNo: string) => renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: invoiceNo });

const extract = (bytes: Buffer, idempotencyKey?: string) =>
  extractInvoice(deps, {
    requestId: `req-${++n}`,
    companyId: 'NT047',
    username: 'tester',
    file: { bytes, declaredType: 'application/pdf' },
    idempotencyKey,
  });

/** The statements and log records of one call, from a clean count. */
async function measure(work: () => Promise<ExtractionResult>) {
  counted.clear();
  const logsBefore = core.records.length;
  const result = await work();
  const records = core.records.slice(logsBefore);
  return { result, tally: counted.tally(), records };
}

/** Each statement as its verb and table: what the pins below compare. */
function outline(tally: StatementTally): string[] {
  return tally.statements.map((sql) => {
    const verb = sql.split(' ')[0]!.toLowerCase();
    const table = /(?:from|into|update) "(\w+)"/.exec(sql)?.[1];
    return table ? `${verb} ${table}` : verb;
  });
}

const LOG_FIELDS = [
  'requestId',
  'companyId',
  'keyHint',
  'tokens',
  'attempts',
  'ms',
  'bytes',
  'branch',
  'user',
];

/** The request's one INFO record, carrying everything an operator asks of a success. */
function expectOneInfo(records: typeof core.records, flag: 'cached' | 'replay' | undefined) {
  expect(records.map((r) => r.level)).toEqual(['INFO']);
  const [record] = records;
  expect(Object.keys(record!.fields)).toEqual(expect.arrayContaining(LOG_FIELDS));
  if (flag) expect(record!.fields[flag]).toBe(true);
  expect(JSON.stringify(record)).not.toContain(fakeKey('hot'));
}

// Before issue 14 (same requests): a success ran 14 statements (10 queries, 2 transactions, 2
// writes outside them: the dispatch mark and the cache store) and wrote 2 INFO records (3 rows
// with the server's access line); a cache hit and a replay 2 records each.
describe('one request, counted on SQLite', () => {
  it('a successful extraction: 8 queries in 2 transactions and 1 autocommit write, 1 INFO record', async () => {
    await extract(pdf('WARM-UP'));
    const m = await measure(() => extract(pdf('INV-1')));
    expect(m.result.cached).toBe(false);
    expect(outline(m.tally)).toEqual([
      'select ResultCache',
      'select TokenMaster', // with the summary and the sealed key: no second read to open it
      'begin',
      'insert TokenReservations', // taken marked dispatched: no separate mark
      'update TokenUsageSummary',
      'commit',
      'begin',
      'delete TokenReservations',
      'insert TokenUsageLogs',
      'update TokenUsageSummary',
      'commit',
      'insert ResultCache',
    ]);
    expect(m.tally).toMatchObject({ transactions: 2, queries: 8, autocommitWrites: 1 });
    expectOneInfo(m.records, undefined);
    expect(m.records[0]!.fields).toMatchObject({ cached: false, replay: false, attempts: 1 });
    await expectExactLedger(core, emulator);
  });

  it('a cache hit: 2 reads, no write, 1 INFO record', async () => {
    const bytes = pdf('INV-2');
    await extract(bytes);
    const m = await measure(() => extract(bytes));
    expect(m.result.cached).toBe(true);
    expect(outline(m.tally)).toEqual(['select ResultCache', 'select TokenMaster']);
    expectOneInfo(m.records, 'cached');
  });

  it('an idempotent replay: the losing claim, the record, the keys; 1 INFO record', async () => {
    const bytes = pdf('INV-3');
    await extract(bytes, 'idem-1');
    const m = await measure(() => extract(bytes, 'idem-1'));
    expect(m.result.idempotentReplay).toBe(true);
    expect(outline(m.tally)).toEqual([
      'insert IdempotencyKeys',
      'select IdempotencyKeys',
      'select TokenMaster',
    ]);
    expectOneInfo(m.records, 'replay');
  });

  it('a success with an Idempotency-Key: the claim and its completion besides', async () => {
    await extract(pdf('WARM-UP'));
    const m = await measure(() => extract(pdf('INV-4'), 'idem-2'));
    expect(m.result.cached).toBe(false);
    const o = outline(m.tally);
    expect([o[0], o.at(-1)]).toEqual(['insert IdempotencyKeys', 'update IdempotencyKeys']);
    expect(m.tally).toMatchObject({ transactions: 2, queries: 10, autocommitWrites: 3 });
    expectOneInfo(m.records, undefined);
  });
});
