import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ REQUIRE_CLIENT_KEYS: 'true', CACHE_MAX_ENTRIES: '0' });
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
const post = (path: string, body: unknown) =>
  fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { ...s.admin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('auth', () => {
  it('with REQUIRE_CLIENT_KEYS, a caller spends only its own company quota', async () => {
    for (const company of ['NT047', 'AB001'])
      await post('/v1/tokens', { companyId: company, apiKey: fakeKey(`auth-${company}`) });
    const issued = (await (await post('/v1/clients', { companyId: 'NT047', label: 'ERP' })).json()) as {
      key: string;
      info: { keyHint: string };
    };
    expect(issued.key).toMatch(/^igw_ck_/);

    const anonymous = await extract('NT047');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('Missing client key'),
    });
    const wrong = await extract('NT047', { 'x-client-key': 'igw_ck_not-a-real-key-at-all' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ message: 'Invalid API key' });
    const other = await extract('AB001', { 'x-client-key': issued.key });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('AB001'),
    });
    expect((await extract('NT047', { authorization: `Bearer ${issued.key}` })).status).toBe(200);
    // The admin key may extract for anyone; a client key cannot manage keys.
    expect((await extract('AB001', s.admin)).status).toBe(200);
    expect((await fetch(`${s.url}/v1/tokens`, { headers: { 'x-client-key': issued.key } })).status).toBe(403);

    const [listed] = (await (await fetch(`${s.url}/v1/clients`, { headers: s.admin })).json()) as Array<
      Record<string, unknown>
    >;
    expect(listed).toMatchObject({ companyId: 'NT047', label: 'ERP', lastUsedAt: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(issued.key);
    await fetch(`${s.url}/v1/clients/${listed!.clientKeyId}`, { method: 'DELETE', headers: s.admin });
    expect((await extract('NT047', { 'x-client-key': issued.key })).status).toBe(401);
  });

  it('protects /metrics and /cache/invalidate with the admin key', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/cache/invalidate`, { method: 'POST' })).status).toBe(401);
    const metrics = await fetch(`${s.url}/metrics`, { headers: s.admin });
    const text = await metrics.text();
    for (const name of [
      'igw_http_requests_total',
      'igw_extractions_total',
      'igw_tokens_charged_total',
      'igw_reservations_in_flight',
      'igw_log_queue_depth',
      'igw_log_records_dropped_total',
      'igw_breaker_open',
    ]) {
      expect(text).toContain(name);
    }
    expect(
      await (await fetch(`${s.url}/cache/invalidate`, { method: 'POST', headers: s.admin })).json(),
    ).toMatchObject({
      status: 'ok',
      message: 'Cache invalidated. Next request will refresh from database.',
    });
  });
});
