import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = s.admin) =>
  fetch(`${s.url}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe('REST under /v1 and its OpenAPI 3.1 document', () => {
  it('serves a valid OpenAPI 3.1 document and a browsable docs page', async () => {
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    await expect(validate(structuredClone(doc) as never)).resolves.toMatchObject({ valid: true });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/tokens',
        '/v1/tokens/{tokenId}/rotate',
        '/v1/extract',
        '/extract',
        '/v1/monitoring/logs',
      ]),
    );
    const page = await (await fetch(`${s.url}/docs`)).text();
    expect(page).toContain('/v1/tokens/{tokenId}/rotate');
  });

  it('manages keys over REST, with JSON errors that carry a stable code', async () => {
    const created = await call('POST', '/v1/tokens', {
      companyId: 'NT047',
      apiKey: fakeKey('rest'),
      totalTokenLimit: 40_000,
    });
    expect(created.status).toBe(200);
    const token = (await created.json()) as { tokenId: number; keyHint: string };
    expect(token.keyHint).toBe('AIza…xxx');
    expect(
      (await (await call('GET', '/v1/tokens?companyId=NT047&includeRemoved=false')).json()) as unknown[],
    ).toHaveLength(1);
    expect(
      await (
        await call('POST', `/v1/tokens/${token.tokenId}/limit`, { totalTokenLimit: 90_000, reason: 'more' })
      ).json(),
    ).toMatchObject({ totalTokenLimit: 90_000 });
    const extracted = await fetch(`${s.url}/v1/extract`, {
      method: 'POST',
      body: uploadForm({ companyId: 'NT047', username: 'u' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
    });
    expect(extracted.status).toBe(200);
    expect(await (await call('GET', '/v1/monitoring/usage?groupBy=day')).json()).toEqual([
      expect.objectContaining({ requests: 1 }),
    ]);
    await s.deps.logSink.flush();
    expect(await (await call('GET', '/v1/monitoring/logs?levels=INFO,WARNING&limit=5')).json()).toHaveLength(
      5,
    );

    const missing = await call('GET', '/v1/tokens/4242');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      status: 'error',
      code: 'TOKEN_NOT_FOUND',
      requestId: expect.any(String),
    });
    const invalid = await call('POST', '/v1/tokens', { companyId: '', apiKey: 'x' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      data: { issues: expect.any(Array) },
    });
    const removed = await call('DELETE', `/v1/tokens/${token.tokenId}?reason=leaked`);
    expect(await removed.json()).toMatchObject({ deletedAt: expect.any(String) });
    expect((await call('GET', '/v1/nope')).status).toBe(404);
  });

  it('refuses without the admin key, and a body over the limit', async () => {
    expect((await call('GET', '/v1/tokens', undefined, {})).status).toBe(401);
    const big = await call('POST', '/v1/tokens', { companyId: 'X', apiKey: 'k'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
