import type { OpenDatabase } from '@invoicegw/db';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

const addKey = (srv: TestServer, company = 'NT047') =>
  fetch(`${srv.url}/v1/tokens`, {
    method: 'POST',
    headers: { ...srv.admin, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: company, apiKey: fakeKey(`g-${company}`) }),
  });
const extract = (srv: TestServer, bytes = renderInvoicePdf(DEMO_INVOICE)) =>
  fetch(`${srv.url}/extract`, {
    method: 'POST',
    body: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes }),
  });

describe('guard rails', () => {
  it('limits extractions in flight per company: one over the limit waits its bound for a slot, then 429', async () => {
    s = await startTestServer({
      COMPANY_CONCURRENCY: '1',
      CACHE_MAX_ENTRIES: '0',
      GEMINI_ATTEMPT_TIMEOUT_MS: '5000',
      QUOTA_WAIT_MS: '300',
    });
    await addKey(s);
    s.emulator.queueFaults([{ type: 'slow', delayMs: 2500 }]);
    const first = extract(s);
    // The second asks once the first holds the company's only slot.
    while (!s.deps.inFlight.get('NT047')) await new Promise((r) => setTimeout(r, 10));
    const asked = Date.now();
    const busy = await extract(s);
    const waited = Date.now() - asked;
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(await busy.json()).toMatchObject({
      code: 'COMPANY_BUSY',
      message: expect.stringContaining('no slot freed in time'),
    });
    expect(waited).toBeGreaterThanOrEqual(250);
    expect((await first).status).toBe(200);
  });

  it('a request over the company limit waits in line for a slot and is served when one frees', async () => {
    s = await startTestServer({
      COMPANY_CONCURRENCY: '1',
      CACHE_MAX_ENTRIES: '0',
      GEMINI_ATTEMPT_TIMEOUT_MS: '5000',
    });
    await addKey(s);
    s.emulator.queueFaults([{ type: 'slow', delayMs: 1000 }]);
    const first = extract(s);
    while (!s.deps.inFlight.get('NT047')) await new Promise((r) => setTimeout(r, 10));
    const second = await extract(s);
    expect(second.status).toBe(200);
    expect((await first).status).toBe(200);
    // Its provider call started only once the first's slow one had answered and given the slot back.
    const [slow, next] = s.emulator.requests();
    expect([slow?.fault, next?.fault]).toEqual(['slow', null]);
    expect(Date.parse(next!.at) - Date.parse(slow!.at)).toBeGreaterThanOrEqual(900);
  });

  it('refuses an upload above MAX_UPLOAD_MB', async () => {
    s = await startTestServer({ MAX_UPLOAD_MB: '0.05' });
    await addKey(s);
    const res = await extract(s, renderInvoicePdf(DEMO_INVOICE, { padToBytes: 80 * 1024 }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(s.emulator.requests()).toEqual([]);
  });

  it('answers 503 with a clear message while the database is down, and does not crash', async () => {
    s = await startTestServer();
    await addKey(s);
    await (s.deps.core.db as OpenDatabase).close();
    const health = await fetch(`${s.url}/`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', database: { reachable: false } });
    const res = await extract(s);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({
      status: 'error',
      code: 'DATABASE_UNAVAILABLE',
      message: 'Database unavailable: please retry shortly',
    });
    const list = await fetch(`${s.url}/v1/tokens`, { headers: s.admin });
    expect(list.status).toBe(503);
    // The log sink keeps what it could not write, and says so.
    await s.deps.logSink.flush();
    expect(s.deps.logSink.stats().failedFlushes).toBeGreaterThan(0);
    expect(s.deps.logSink.stats().queued).toBeGreaterThan(0);
    // Stop without touching the closed database again.
    s.deps.draining.value = true;
  });
});
