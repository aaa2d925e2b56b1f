import { getToken, listAudit, listRetryAttempts, listUsageLogs, readFailedRetries } from '@invoicegw/db';
import {
  DEMO_INVOICE,
  type Emulator,
  type FaultSpec,
  renderInvoicePdf,
  startEmulator,
} from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ExtractionDeps, extractInvoice } from '../src/extraction/extract-invoice.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

let emulator: Emulator;
let core: TestCore;
let deps: ExtractionDeps;
let keys: { a: number; b: number };
const PDF = renderInvoicePdf(DEMO_INVOICE, { compress: true });
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
  deps = extractionDeps(core, emulator, { cacheMaxEntries: 0 });
  keys = {
    a: (await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('ext-a') })).tokenId,
    b: (await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('ext-b') })).tokenId,
  };
});
afterEach(async () => {
  await core.dispose();
});

const extract = (extra: Partial<Parameters<typeof extractInvoice>[1]> = {}, d = deps) =>
  extractInvoice(d, {
    requestId: `req-${++n}`,
    companyId: 'NT047',
    username: 'tester',
    branch: 'TEST',
    file: { bytes: PDF, declaredType: 'application/pdf' },
    ...extra,
  });

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return e as { code: string; message: string; retryAfterSeconds?: number };
  }
  throw new Error('expected a failure');
}

const rowsOf = async (requestId: string) =>
  (await listRetryAttempts(core.db, { requestId }, { limit: 50 }))
    .reverse()
    .map((r) => [r.errorCode, r.httpStatus, r.isRetryable, r.isFinal]);

describe('extractInvoice through the real SDK and the emulator', () => {
  it('returns the invoice the document shows, charges what Gemini reported, and logs the usage row', async () => {
    const result = await extract();
    expect(result.data).toMatchObject({
      invoice_no: 'INV-2026-0042',
      invoice_date: '2026-11-20',
      due_date: '2026-12-20',
      company_name: 'Himalayan Traders Pvt Ltd',
      dealer_name: 'RUBI TRADERS Pvt ltd',
      seller_tax_id: '601234567',
      currency: 'NPR',
      sub_total: 19952,
      delivery_note: null,
    });
    expect(result.data.products).toEqual([
      expect.objectContaining({
        sku: 'Basmati Rice 5kg',
        sku_code: 'RICE-5',
        quantity: 10,
        rate: 1250,
        unit: 'bag',
        hscode: '1006.30',
        batch: null,
      }),
      expect.objectContaining({ sku: 'Sunflower Oil 1L', quantity: 24, rate: 310.5 }),
    ]);
    expect(result.warnings).toEqual([]);
    expect(result).toMatchObject({
      cached: false,
      idempotentReplay: false,
      keyHint: 'AIza…xxx',
      model: 'gemini-2.5-flash',
      file: { mimeType: 'application/pdf', pages: 1 },
    });
    expect(result.attempts).toEqual([{ attempt: 1, keyHint: 'AIza…xxx', outcome: 'success' }]);
    expect(result.usage.totalTokens).toBe(emulator.stats().totalChargedTokens);
    const [row] = await listUsageLogs(core.db, { requestId: result.requestId }, { limit: 5 });
    expect(row).toMatchObject({
      branch: 'TEST',
      requestedBy: 'tester',
      documentPromptTokens: 258,
      outcome: 'success',
      totalTokensUsed: result.usage.totalTokens,
    });
    const [sent] = emulator.requests();
    expect(sent).toMatchObject({
      keyVia: 'header',
      mimeTypes: ['application/pdf'],
      temperature: 0,
      responseMimeType: 'application/json',
      hasResponseSchema: true,
      maxOutputTokens: 8192,
    });
    await expectExactLedger(core, emulator);
  });

  it('refuses bad uploads before touching a key: no call, no hold, no charge', async () => {
    for (const [bytes, code] of [
      [Buffer.alloc(0), 'FILE_EMPTY'],
      [Buffer.from('plain text'), 'UNSUPPORTED_FILE_TYPE'],
      [PDF.subarray(0, 200), 'INVALID_FILE'],
    ] as const) {
      expect(await failure(extract({ file: { bytes: Buffer.from(bytes) } }))).toMatchObject({ code });
    }
    expect(emulator.requests()).toEqual([]);
    expect(await listRetryAttempts(core.db, {}, { limit: 10 })).toEqual([]);
    expect(core.records.filter((r) => r.message.startsWith('Upload refused'))).toHaveLength(3);
    await expectExactLedger(core, emulator);
  });

  it.each<[string, FaultSpec[], string[]]>([
    [
      'per-minute 429 with RetryInfo',
      [{ type: 'rate_limit', retryDelaySeconds: 0.2 }],
      ['RESOURCE_EXHAUSTED'],
    ],
    ['429 with Retry-After', [{ type: 'retry_after', retryDelaySeconds: 1 }], ['RESOURCE_EXHAUSTED']],
    ['503 overloaded', [{ type: 'overloaded' }], ['UNAVAILABLE']],
    ['500 internal', [{ type: 'internal' }], ['INTERNAL']],
    ['502 bad gateway', [{ type: 'bad_gateway' }], ['HTTP_502']],
    ['504 deadline', [{ type: 'deadline' }], ['DEADLINE_EXCEEDED']],
    ['a slow answer past the attempt timeout', [{ type: 'slow', delayMs: 2500 }], ['TIMEOUT']],
    ['no answer at all', [{ type: 'hang' }], ['TIMEOUT']],
    ['a reset connection', [{ type: 'reset' }], ['NETWORK']],
    ['two failures in a row', [{ type: 'overloaded' }, { type: 'internal' }], ['UNAVAILABLE', 'INTERNAL']],
  ])('retries %s on the same key, then succeeds', async (_name, faults, codes) => {
    emulator.queueFaults(faults);
    const started = Date.now();
    const result = await extract();
    expect(result.attempts.map((a) => a.outcome)).toEqual([...codes.map(() => 'failed'), 'success']);
    expect(new Set(result.attempts.map((a) => a.keyHint)).size).toBe(1);
    const rows = await listRetryAttempts(core.db, { requestId: result.requestId }, { limit: 10 });
    expect(rows.map((r) => r.errorCode).reverse()).toEqual(codes);
    expect(rows.every((r) => r.isRetryable && !r.isFinal)).toBe(true);
    const tokenId = (await listUsageLogs(core.db, { requestId: result.requestId }, { limit: 1 }))[0]!.tokenId;
    expect(rows.every((r) => r.tokenId === tokenId)).toBe(true);
    // A call without an answer is charged its hold as presumed usage; an error reply is not billed.
    const presumed = (await listUsageLogs(core.db, { requestId: result.requestId }, { limit: 10 })).filter(
      (u) => u.outcome === 'presumed',
    );
    expect(presumed).toHaveLength(codes.filter((c) => c === 'TIMEOUT' || c === 'NETWORK').length);
    if (faults[0]!.type === 'rate_limit') expect(rows[0]!.delayMs).toBeGreaterThanOrEqual(200);
    if (faults[0]!.type === 'retry_after') expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await expectExactLedger(core, emulator);
  });

  it.each([
    ['400 API_KEY_INVALID', 'invalid_key', 'API_KEY_INVALID', 'Invalid'],
    ['403 PERMISSION_DENIED', 'permission_denied', 'CONSUMER_SUSPENDED', 'Invalid'],
    ['a daily-quota 429', 'daily_quota', 'DAILY_QUOTA_EXHAUSTED', 'Active'],
  ] as const)(
    'on %s parks the key and fails over to another without the caller noticing',
    async (_name, type, code, status) => {
      emulator.queueFaults([{ type }]);
      const result = await extract();
      expect(result.attempts.map((a) => a.outcome)).toEqual(['failed', 'success']);
      const [row] = await listRetryAttempts(core.db, { requestId: result.requestId }, { limit: 5 });
      expect(row).toMatchObject({ errorCode: code, isRetryable: true, isFinal: false });
      const bad = row!.tokenId!;
      const good = bad === keys.a ? keys.b : keys.a;
      expect((await listUsageLogs(core.db, { requestId: result.requestId }, { limit: 1 }))[0]?.tokenId).toBe(
        good,
      );
      const badKey = await getToken(core.db, bad);
      expect(badKey?.status).toBe(status);
      if (type === 'daily_quota') expect(badKey?.cooldownUntil).not.toBeNull();
      const audit = await listAudit(core.db, { tokenId: bad }, { limit: 5 });
      expect(audit[0]).toMatchObject({
        actor: 'system',
        action: type === 'daily_quota' ? 'token.cooldown' : 'token.status.auto',
        requestId: result.requestId,
      });
      await expectExactLedger(core, emulator);
    },
  );

  it('does not retry other 4xx, and records the final attempt', async () => {
    emulator.queueFaults([{ type: 'bad_request' }]);
    const error = await failure(extract({ requestId: 'bad-request' }));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED' });
    expect(await rowsOf('bad-request')).toEqual([['INVALID_ARGUMENT', 400, false, true]]);
    expect(emulator.requests()).toHaveLength(1);
    await expectExactLedger(core, emulator);
  });

  it('gives up after 3 retries with the old service wording, and lists the request in vw_FailedRetries', async () => {
    emulator.queueFaults(Array.from({ length: 4 }, () => ({ type: 'overloaded' as const })));
    const error = await failure(extract({ requestId: 'exhausted' }));
    expect(error).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      message: 'Error with the server: Service temporarily unavailable.',
      retryAfterSeconds: 30,
    });
    expect(await rowsOf('exhausted')).toEqual([
      ['UNAVAILABLE', 503, true, false],
      ['UNAVAILABLE', 503, true, false],
      ['UNAVAILABLE', 503, true, false],
      ['UNAVAILABLE', 503, false, true],
    ]);
    expect(await readFailedRetries(core.db)).toEqual([
      expect.objectContaining({ requestId: 'exhausted', attempts: 4, lastErrorCode: 'UNAVAILABLE' }),
    ]);
    await expectExactLedger(core, emulator);
  });

  it('a blocked prompt is not retried and is charged its prompt tokens', async () => {
    emulator.queueFaults([{ type: 'blocked' }]);
    expect(await failure(extract({ requestId: 'blocked' }))).toMatchObject({ code: 'CONTENT_BLOCKED' });
    expect(await rowsOf('blocked')).toEqual([['CONTENT_BLOCKED', 200, false, true]]);
    const [usage] = await listUsageLogs(core.db, { requestId: 'blocked' }, { limit: 1 });
    expect(usage).toMatchObject({ outcome: 'blocked', outputTokens: 0 });
    expect(usage!.totalTokensUsed).toBeGreaterThan(258);
    await expectExactLedger(core, emulator);
  });

  it('asks once more after output that is not valid JSON or not the schema, then gives up', async () => {
    emulator.queueFaults([{ type: 'malformed_json' }]);
    const recovered = await extract();
    expect(recovered.attempts.map((a) => a.errorCode ?? a.outcome)).toEqual([
      'INVALID_MODEL_OUTPUT',
      'success',
    ]);
    emulator.queueFaults([{ type: 'malformed_json' }, { type: 'schema_mismatch' }]);
    expect(await failure(extract({ requestId: 'garbage' }))).toMatchObject({ code: 'INVALID_MODEL_OUTPUT' });
    expect(await rowsOf('garbage')).toEqual([
      ['INVALID_MODEL_OUTPUT', 200, true, false],
      ['INVALID_MODEL_OUTPUT', 200, false, true],
    ]);
    // Both bad answers were billed by the provider, so both are charged.
    expect(
      (await listUsageLogs(core.db, { requestId: 'garbage' }, { limit: 5 })).map((u) => u.outcome),
    ).toEqual(['invalid_output', 'invalid_output']);
    await expectExactLedger(core, emulator);
  });

  it('opens a key circuit after repeated failures and moves on', async () => {
    const d = extractionDeps(core, emulator, {
      cacheMaxEntries: 0,
      breakerConsecutiveFailures: 2,
      maxRetries: 3,
    });
    emulator.queueFaults([{ type: 'overloaded' }, { type: 'overloaded' }]);
    const result = await extract({ requestId: 'breaker' }, d);
    expect(result.attempts.map((a) => a.errorCode ?? a.outcome)).toEqual([
      'UNAVAILABLE',
      'UNAVAILABLE',
      'CIRCUIT_OPEN',
      'success',
    ]);
    expect(d.runtime.breakerStates().map((s) => s.state)).toContain('open');
    await expectExactLedger(core, emulator);
  });

  it('says so when no key of the company can serve', async () => {
    expect(await failure(extract({ companyId: 'NOBODY' }))).toMatchObject({
      code: 'NO_ACTIVE_TOKEN',
      message: expect.stringContaining('No active token found for company NOBODY'),
    });
    expect(emulator.requests()).toEqual([]);
  });
});

describe('cache and idempotency', () => {
  it('an identical upload is served from the cache at zero token cost', async () => {
    const cached = extractionDeps(core, emulator);
    const first = await extract({}, cached);
    const second = await extract({ file: { bytes: Buffer.from(PDF) } }, cached);
    expect(second).toMatchObject({ cached: true, usage: { totalTokens: 0 }, data: first.data });
    expect(emulator.requests()).toHaveLength(1);
    expect(cached.runtime.cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    // Another company never sees this company's cached result.
    await addToken(core, OPS, { companyId: 'OTHER', apiKey: fakeKey('ext-other') });
    expect((await extract({ companyId: 'OTHER' }, cached)).cached).toBe(false);
    await expectExactLedger(core, emulator);
  });

  it('a retried request with the same Idempotency-Key is answered once and charged once, even concurrently', async () => {
    emulator.queueFaults([{ type: 'slow', delayMs: 150 }]);
    const [a, b] = await Promise.all([
      extract({ idempotencyKey: 'k-1' }),
      extract({ idempotencyKey: 'k-1' }),
    ]);
    expect(emulator.requests()).toHaveLength(1);
    expect([a.idempotentReplay, b.idempotentReplay].sort()).toEqual([false, true]);
    expect(a.usage.totalTokens + b.usage.totalTokens).toBe(emulator.stats().totalChargedTokens);
    const other = renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'OTHER-1' });
    expect(await failure(extract({ idempotencyKey: 'k-1', file: { bytes: other } }))).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    await expectExactLedger(core, emulator);
  });
});
