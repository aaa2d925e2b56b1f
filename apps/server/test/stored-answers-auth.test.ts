import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// A stored answer (the result cache, an idempotent replay) is still behind the client-key check:
// runExtraction authorizes the caller for the company before core looks anything up.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ REQUIRE_CLIENT_KEYS: 'true' });
});
afterAll(async () => {
  await s.stop();
});

const PDF = renderInvoicePdf(DEMO_INVOICE);
const extract = (companyID: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/extract`, {
    method: 'POST',
    headers,
    body: uploadForm({ companyID, username: 'u' }, { bytes: PDF }),
  });
const post = async (path: string, body: unknown) =>
  (
    await fetch(`${s.url}${path}`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json() as Promise<{ key: string }>;

describe('stored answers and client keys', () => {
  it('a cached file or a used Idempotency-Key answers only callers allowed for the company', async () => {
    await post('/v1/tokens', { companyId: 'NT047', apiKey: fakeKey('stored-auth') });
    const nt = (await post('/v1/clients', { companyId: 'NT047' })).key;
    const ab = (await post('/v1/clients', { companyId: 'AB001' })).key;
    const first = await extract('NT047', { 'x-client-key': nt, 'idempotency-key': 'k-auth' });
    expect(first.status).toBe(200);
    const calls = s.emulator.requests().length;

    const variants: Array<Record<string, string>> = [{}, { 'idempotency-key': 'k-auth' }];
    for (const headers of variants) {
      expect((await extract('NT047', headers)).status).toBe(401);
      expect((await extract('NT047', { ...headers, 'x-client-key': 'igw_ck_not-a-real-key' })).status).toBe(
        401,
      );
      const other = await extract('NT047', { ...headers, 'x-client-key': ab });
      expect(other.status).toBe(403);
      expect(await other.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    const cached = (await (await extract('NT047', { 'x-client-key': nt })).json()) as {
      meta: Record<string, unknown>;
    };
    expect(cached.meta).toMatchObject({ cached: true });
    const replay = (await (
      await extract('NT047', { 'x-client-key': nt, 'idempotency-key': 'k-auth' })
    ).json()) as { meta: Record<string, unknown> };
    expect(replay.meta).toMatchObject({ idempotentReplay: true });
    expect(s.emulator.requests().length).toBe(calls);
  });
});
