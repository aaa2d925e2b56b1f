import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// The deployment checklist's phase 2.4 to 2.7, step by step, over real HTTP on a loopback port,
// with the service's defaults (the result cache on), and the same file each time as written.
let s: TestServer;
const PDF = renderInvoicePdf(DEMO_INVOICE);
const KEY = fakeKey('checklist');

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

const db = () => s.deps.core.db.db;
const extract = (
  fields: Record<string, string> = {},
  file: { bytes: Buffer; type?: string } | null = { bytes: PDF },
) =>
  fetch(`${s.url}/extract`, {
    method: 'POST',
    body: uploadForm(
      { companyID: 'NT047', username: 'tester', branch: 'TEST', ...fields },
      file ?? undefined,
    ),
  });

describe('deployment checklist, phase 2', () => {
  it('2.3 a test token inserted by hand in plain SQL', async () => {
    await sql`INSERT INTO TokenMaster (CompanyID, CompanyName, ApiKey, Provider, TotalTokenLimit, Status)
      VALUES ('NT047', 'RUBI TRADERS Pvt ltd', ${KEY}, 'Gemini', 100000, 'Active')`.execute(db());
    expect(
      await db()
        .selectFrom('TokenMaster')
        .select(['TokenID', 'CompanyID'])
        .where('CompanyID', '=', 'NT047')
        .execute(),
    ).toEqual([{ TokenID: 1, CompanyID: 'NT047' }]);
  });

  it('2.4 health check, and the tables and startup logs are there', async () => {
    const res = await fetch(`${s.url}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'active',
      version: '0.1.0',
      database: { kind: 'sqlite', reachable: true },
    });
    expect(Number.isNaN(Date.parse(body.timestamp as string))).toBe(false);
    await s.deps.logSink.flush();
    const startup = await db()
      .selectFrom('ApplicationLogs')
      .select('Message')
      .orderBy('Timestamp', 'desc')
      .execute();
    expect(startup.map((r) => r.Message).join('\n')).toContain('invoice gateway 0.1.0 running on');
  });

  it('2.5 a valid invoice: the envelope, a TokenUsageLogs row, ApplicationLogs rows', async () => {
    const res = await extract();
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      message: string;
      data: Record<string, unknown>;
      meta: Record<string, unknown>;
    };
    expect(body).toMatchObject({ status: 'ok', message: 'Invoice processed successfully' });
    expect(body.data).toMatchObject({
      invoice_no: 'INV-2026-0042',
      company_name: 'Himalayan Traders Pvt Ltd',
      products: expect.any(Array),
    });
    expect(body.meta).toMatchObject({ keyHint: 'AIza…xxx', cached: false });
    const requestId = res.headers.get('x-request-id')!;
    expect(body.meta.requestId).toBe(requestId);
    const usage = await db().selectFrom('TokenUsageLogs').selectAll().orderBy('LoggedAt', 'desc').execute();
    expect(usage[0]).toMatchObject({
      TokenID: 1,
      CompanyID: 'NT047',
      Branch: 'TEST',
      RequestedBy: 'tester',
      RequestID: requestId,
      Outcome: 'success',
    });
    await s.deps.logSink.flush();
    const logs = await db()
      .selectFrom('ApplicationLogs')
      .selectAll()
      .where('RequestID', '=', requestId)
      .execute();
    // One row per successful request: the extraction's, with the company, key hint and tokens.
    expect(logs.map((l) => l.Message)).toEqual([expect.stringContaining('Invoice extracted')]);
    expect(logs.every((l) => l.CompanyID === 'NT047')).toBe(true);
  });

  it('2.6 an invalid file: a clear error, no retry, no provider call', async () => {
    const before = s.emulator.requests().length;
    const res = await extract({}, { bytes: Buffer.from('this is not an invoice'), type: 'application/pdf' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ status: 'error', code: 'UNSUPPORTED_FILE_TYPE' });
    expect(s.emulator.requests().length).toBe(before);
    expect(await db().selectFrom('RetryAttempts').selectAll().execute()).toEqual([]);
  });

  it('2.6 expired token status: "Token expired"; no token: "No active token found"; recovery after reactivation', async () => {
    // The same file as 2.5, whose result is in the cache: a company that could not be served
    // uncached is not served from the cache either, with the same error and text.
    const calls = s.emulator.requests().length;
    await sql`UPDATE TokenMaster SET Status = 'Expired' WHERE TokenID = 1`.execute(db());
    const expired = await extract();
    expect(expired.status).toBe(403);
    expect(await expired.json()).toMatchObject({
      status: 'error',
      code: 'TOKEN_EXPIRED',
      message: expect.stringContaining('Token expired'),
    });

    await sql`UPDATE TokenMaster SET Status = 'Disabled' WHERE TokenID = 1`.execute(db());
    const disabled = await extract();
    expect(disabled.status).toBe(403);
    expect(await disabled.json()).toMatchObject({
      code: 'TOKEN_DISABLED',
      message: expect.stringContaining('Token disabled'),
    });

    for (const [status, code] of [
      ['Exceeded', 'TOKEN_LIMIT_EXCEEDED'],
      ['Invalid', 'TOKEN_INVALID'],
    ] as const) {
      await sql`UPDATE TokenMaster SET Status = ${status} WHERE TokenID = 1`.execute(db());
      expect(await (await extract()).json(), status).toMatchObject({ status: 'error', code });
    }

    // An Active key past its ExpiresAt is expired too, before the sweeper has marked it.
    await sql`UPDATE TokenMaster SET Status = 'Active', ExpiresAt = '2020-01-01T00:00:00.000Z' WHERE TokenID = 1`.execute(
      db(),
    );
    expect(await (await extract()).json()).toMatchObject({ code: 'TOKEN_EXPIRED' });
    await sql`UPDATE TokenMaster SET Status = 'Expired', ExpiresAt = NULL WHERE TokenID = 1`.execute(db());

    const none = await extract({ companyID: 'NOBODY' });
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({
      code: 'NO_ACTIVE_TOKEN',
      message: expect.stringContaining('No active token found for company NOBODY'),
    });
    // The company's only key removed: no key at all, for the file in its cache too.
    await sql`UPDATE TokenMaster SET DeletedAt = ${new Date().toISOString()} WHERE TokenID = 1`.execute(db());
    const removed = await extract();
    expect(removed.status).toBe(403);
    expect(await removed.json()).toMatchObject({
      code: 'NO_ACTIVE_TOKEN',
      message: expect.stringContaining('No active token found for company NT047'),
    });
    await sql`UPDATE TokenMaster SET DeletedAt = NULL WHERE TokenID = 1`.execute(db());

    await sql`UPDATE TokenMaster SET Status = 'Active' WHERE TokenID = 1`.execute(db());
    const again = await extract();
    expect(again.status).toBe(200);
    expect(((await again.json()) as { meta: Record<string, unknown> }).meta).toMatchObject({
      cached: true,
      usage: { totalTokens: 0 },
    });
    // Every refusal was decided before the provider, and the recovery came from the cache.
    expect(s.emulator.requests().length).toBe(calls);
  });

  it('2.7 a Gemini timeout is retried and logged in RetryAttempts', async () => {
    s.emulator.queueFaults([{ type: 'hang' }, { type: 'slow', delayMs: 2000 }]);
    const res = await extract({}, { bytes: renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'INV-2.7' }) });
    expect(res.status).toBe(200);
    const rows = await db().selectFrom('RetryAttempts').selectAll().orderBy('RetryID').execute();
    expect(rows.map((r) => [r.TokenID, r.ErrorCode, r.IsRetryable, r.IsFinal])).toEqual([
      [1, 'TIMEOUT', 1, 0],
      [1, 'TIMEOUT', 1, 0],
    ]);
  });

  it('the old form fields: Division wins over branch; a missing username is a 422 the old callers know', async () => {
    const res = await extract(
      { Division: 'North', branch: 'ignored' },
      { bytes: renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'INV-DIVISION' }) },
    );
    expect(res.status).toBe(200);
    const [row] = await db()
      .selectFrom('TokenUsageLogs')
      .select('Branch')
      .orderBy('UsageID', 'desc')
      .execute();
    expect(row?.Branch).toBe('North');
    const missing = await fetch(`${s.url}/extract`, {
      method: 'POST',
      body: uploadForm({ companyID: 'NT047' }, { bytes: PDF }),
    });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({
      status: 'error',
      message: 'Please provide both companyID and username.',
      detail: [{ type: 'missing', loc: ['body', 'username'], msg: 'Field required' }],
    });
    const url = await extract({ extractFromLink: '1', pdf_url: 'http://10.0.0.1/x.pdf' }, null);
    expect(url.status).toBe(400);
    expect(await url.json()).toMatchObject({ code: 'URL_MODE_UNSUPPORTED' });
  });

  it('GET /cache/status answers in the old shape', async () => {
    const res = await fetch(`${s.url}/cache/status`);
    expect(await res.json()).toMatchObject({
      cache: { status: 'valid', item_count: 3, ttl: 3600, expires_in: expect.any(Number) },
      message: 'Cache is healthy',
    });
    await fetch(`${s.url}/cache/invalidate`, { method: 'POST', headers: s.admin });
    expect(await (await fetch(`${s.url}/cache/status`)).json()).toMatchObject({
      cache: { status: 'empty', item_count: 0, ttl: 3600 },
      message: 'Cache needs refresh',
    });
  });

  it('no key string reaches ApplicationLogs or any answer', async () => {
    await s.deps.logSink.flush();
    const everything = JSON.stringify([
      await db().selectFrom('ApplicationLogs').selectAll().execute(),
      await db().selectFrom('RetryAttempts').selectAll().execute(),
      await db().selectFrom('AuditLog').selectAll().execute(),
      await (await fetch(`${s.url}/v1/tokens`, { headers: s.admin })).text(),
    ]);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('test-admin-key-for-the-suite');
  });
});
