import { countOpenReservations, getSummary } from '@invoicegw/db';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('time is checked before money is spent', () => {
  it('an upload that trickles in uses up the deadline before dispatch: 503 naming intake, no provider call, nothing charged, counted in /metrics', async () => {
    const srv = await startTestServer({
      REQUEST_DEADLINE_MS: '4000',
      MIN_DISPATCH_MS: '2000',
      CACHE_MAX_ENTRIES: '0',
    });
    s = srv;
    const added = await fetch(`${srv.url}/v1/tokens`, {
      method: 'POST',
      headers: { ...srv.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('dl') }),
    });
    const { tokenId } = (await added.json()) as { tokenId: number };
    const encoded = new Response(
      uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
    );
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    const half = Math.floor(bytes.length / 2);
    // A slow client link: headers and half the body now, the rest 3 s after the server has the
    // request. The deadline counts from arrival, so those 3 s are the request's, not free.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(bytes.subarray(0, half));
        await until(() => srv.deps.active.value > 0);
        await new Promise((r) => setTimeout(r, 3000));
        controller.enqueue(bytes.subarray(half));
        controller.close();
      },
    });
    const res = await fetch(`${srv.url}/extract`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type')! },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const json = (await res.json()) as { code: string; message: string; data: Record<string, number> };
    expect(json).toMatchObject({
      code: 'DEADLINE_BEFORE_DISPATCH',
      data: { cause: 'intake', minDispatchMs: 2000, retryAfterSeconds: 5 },
    });
    expect(json.data.intakeMs).toBeGreaterThanOrEqual(3000);
    expect(json.message).toMatch(/receiving and checking the upload/);
    expect(srv.emulator.requests()).toEqual([]);
    expect(await countOpenReservations(srv.deps.core.db)).toBe(0);
    expect(await getSummary(srv.deps.core.db, tokenId)).toMatchObject({
      totalUsedTokens: 0,
      reservedTokens: 0,
    });
    const metrics = await (await fetch(`${srv.url}/metrics`, { headers: srv.admin })).text();
    expect(metrics).toContain('igw_refused_before_dispatch_total{cause="intake"} 1');
    expect(metrics).toContain('igw_extractions_total{outcome="DEADLINE_BEFORE_DISPATCH"} 1');
    expect(metrics).toMatch(/^igw_db_wait_seconds_count 1$/m);
  });
});
