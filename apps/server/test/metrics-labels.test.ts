import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ CACHE_MAX_ENTRIES: '0', GEMINI_MAX_RETRIES: '2' });
  await fetch(`${s.url}/v1/tokens`, {
    method: 'POST',
    headers: s.admin,
    body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('metrics') }),
  });
});
afterAll(async () => {
  await s.stop();
});

const metric = (text: string, line: RegExp) =>
  Number(
    text
      .split('\n')
      .find((l) => line.test(l))
      ?.split(' ')
      .at(-1) ?? 0,
  );

describe('metrics that tell the truth', () => {
  it('counts every failed provider attempt, also of requests that fail, during an outage', async () => {
    // A provider outage: three 503s for one request that then gives up.
    s.emulator.queueFaults([{ type: 'overloaded' }, { type: 'overloaded' }, { type: 'overloaded' }]);
    const res = await fetch(`${s.url}/extract`, {
      method: 'POST',
      body: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
    });
    expect(res.status).toBe(503);
    const text = await (await fetch(`${s.url}/metrics`, { headers: s.admin })).text();
    const failed = text
      .split('\n')
      .filter((l) => l.startsWith('igw_provider_failed_attempts_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    expect(failed).toBe(3);
  });

  it('counts presumed tokens apart: a call that timed out is charged its hold, shown in the usage report and igw_tokens_presumed_total', async () => {
    // Slower than GEMINI_ATTEMPT_TIMEOUT_MS (1 s): the attempt gives up, the retry answers.
    s.emulator.queueFaults([{ type: 'slow', delayMs: 1500 }]);
    const res = await fetch(`${s.url}/extract`, {
      method: 'POST',
      body: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
    });
    expect(res.status).toBe(200);
    const text = await (await fetch(`${s.url}/metrics`, { headers: s.admin })).text();
    expect(text).toContain('# TYPE igw_tokens_presumed_total counter');
    const presumed = metric(text, /^igw_tokens_presumed_total\{company="NT047",source="attempt"\}/);
    expect(presumed).toBeGreaterThan(0);
    const usage = await fetch(`${s.url}/v1/monitoring/usage?groupBy=company&companyId=NT047`, {
      headers: s.admin,
    });
    expect(usage.status).toBe(200);
    const body = JSON.stringify(await usage.json());
    expect(body).toContain(`"presumedTokens":${presumed}`);
  });

  it('labels tRPC requests by procedure, and only by procedures the router has', async () => {
    await fetch(`${s.url}/trpc/tokens.list`, { headers: s.admin });
    await fetch(`${s.url}/trpc/monitoring.health`, { headers: s.admin });
    await fetch(`${s.url}/trpc/no.such.procedure`, { headers: s.admin });
    const text = await (await fetch(`${s.url}/metrics`, { headers: s.admin })).text();
    expect(metric(text, /^igw_http_requests_total\{.*route="\/trpc\/tokens\.list"/)).toBe(1);
    expect(metric(text, /^igw_http_requests_total\{.*route="\/trpc\/monitoring\.health"/)).toBe(1);
    expect(text).not.toContain('no.such.procedure');
    expect(metric(text, /^igw_http_requests_total\{.*route="\/trpc\/\*"/)).toBe(1);
  });
});
