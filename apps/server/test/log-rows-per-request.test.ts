import type { LogRecord } from '@invoicegw/core';
import { createMemoryLogger } from '@invoicegw/core';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// Issue 14: what one successful request writes to ApplicationLogs and to the console. The
// extraction's outcome is one INFO record with everything (request id, company, key hint,
// tokens, attempts, ms, cached/replay), and no access line beside it (failures keep theirs).
let s: TestServer;
const consoleLines = createMemoryLogger();
const KEY = fakeKey('log-rows');
let n = 0;

beforeAll(async () => {
  s = await startTestServer({}, { console: consoleLines });
  await sql`INSERT INTO TokenMaster (CompanyID, CompanyName, ApiKey, Provider, TotalTokenLimit, Status)
    VALUES ('NT047', 'RUBI TRADERS Pvt ltd', ${KEY}, 'Gemini', 1000000, 'Active')`.execute(s.deps.core.db.db);
  // The first use seals the hand-inserted key (its own audit and log lines): not what is counted.
  await extract(renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'WARM-UP' }));
});
afterAll(async () => {
  await s.stop();
});

async function extract(pdf: Buffer, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${s.url}/extract`, {
    method: 'POST',
    headers,
    body: uploadForm({ companyID: 'NT047', username: 'tester', branch: 'TEST' }, { bytes: pdf }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-request-id')!;
}

/** The request's ApplicationLogs rows and console records, as level and logger. */
async function written(requestId: string) {
  await s.deps.logSink.flush();
  const rows = await s.deps.core.db.db
    .selectFrom('ApplicationLogs')
    .select(['LogLevel', 'Logger', 'Message', 'Context'])
    .where('RequestID', '=', requestId)
    .orderBy('LogID')
    .execute();
  const lines = consoleLines.records.filter((r: LogRecord) => r.fields.requestId === requestId);
  return {
    rows,
    outline: rows.map((r) => `${r.LogLevel} ${r.Logger}`),
    console: lines.map((r) => `${r.level} ${r.logger}`),
  };
}

const ONE_SUCCESS = ['INFO extraction'];

describe('log records of one successful request', () => {
  it('an extraction: one INFO record with everything, and nothing else', async () => {
    const w = await written(await extract(renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'ROWS-1' })));
    expect(w.outline).toEqual(ONE_SUCCESS);
    expect(w.console).toEqual(ONE_SUCCESS);
    const context = JSON.parse(w.rows[0]!.Context!) as Record<string, unknown>;
    expect(context).toMatchObject({ keyHint: 'AIza…xxx', attempts: 1, cached: false, replay: false });
    expect(context.tokens).toBeGreaterThan(0);
    expect(typeof context.ms).toBe('number');
    expect(JSON.stringify(w.rows)).not.toContain(KEY);
  });

  it('a cache hit and an idempotent replay: the same one', async () => {
    const pdf = renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `ROWS-${++n}-cached` });
    await extract(pdf);
    const hit = await written(await extract(pdf));
    expect(hit.outline).toEqual(ONE_SUCCESS);
    expect(JSON.parse(hit.rows[0]!.Context!)).toMatchObject({ cached: true, tokens: 0 });

    const replayed = renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `ROWS-${++n}-replayed` });
    await extract(replayed, { 'Idempotency-Key': 'rows-1' });
    const replay = await written(await extract(replayed, { 'Idempotency-Key': 'rows-1' }));
    expect(replay.outline).toEqual(ONE_SUCCESS);
    expect(JSON.parse(replay.rows[0]!.Context!)).toMatchObject({ replay: true, tokens: 0 });
  });

  it('a refused extraction keeps its access line', async () => {
    const res = await fetch(`${s.url}/extract`, {
      method: 'POST',
      body: uploadForm({ companyID: 'NT047' }, { bytes: Buffer.from('not a pdf'), type: 'application/pdf' }),
    });
    expect(res.status).toBe(422);
    const w = await written(res.headers.get('x-request-id')!);
    expect(w.outline).toContain('INFO http');
    expect(w.rows.map((r) => r.Message)).toContainEqual(expect.stringContaining('POST /extract 422'));
  });
});
