import { minimalRequestTokens, verifyAlertSignature } from '@invoicegw/core';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, until } from './alerts/webhook-receiver.ts';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// Webhook alerts end to end in one server process: subscribe (SSRF refused), a signed test
// event, a failed first attempt retried, and alerts raised by the ledger and by the provider.
let s: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const KEYS: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  s = await startTestServer({
    ALERT_DISPATCH_INTERVAL_MS: '100',
    ALERT_RETRY_BASE_MS: '100',
    ALERT_TIMEOUT_MS: '2000',
    GEMINI_MAX_RETRIES: '0',
  });
});
afterAll(async () => {
  await s?.stop();
  await receiver?.close();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.setAnswer(() => 200);
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...s.admin, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { code?: string; message?: string },
  };
};

const subscribe = async (events: string[]) => {
  const res = await api('POST', '/v1/alerts', {
    url: receiver.url,
    events,
    allowPrivate: true,
    label: 'test receiver',
  });
  expect(res.status).toBe(200);
  return res.body as unknown as { secret: string; info: { subscriptionId: number; secretHint: string } };
};

const addKey = async (companyId: string, label: string, extra: Record<string, unknown> = {}) => {
  const key = fakeKey(label);
  KEYS.push(key);
  const res = await api('POST', '/v1/tokens', { companyId, apiKey: key, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { key, tokenId: (res.body as { tokenId: number }).tokenId };
};

const extract = (companyID: string) =>
  fetch(`${s.url}/extract`, {
    method: 'POST',
    body: uploadForm(
      { companyID, username: 'tester', branch: 'TEST' },
      { bytes: renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `INV-${companyID}-${Math.random()}` }) },
    ),
  });

function expectNoKeyIn(text: string) {
  for (const key of KEYS) expect(text).not.toContain(key);
  expect(text).not.toMatch(/AIza[0-9A-Za-z_-]{8,}/);
  expect(text).not.toContain('enc:v1:');
}

describe('subscribing', () => {
  it.each([
    ['http://10.0.0.1/hook', 'resolves to 10.0.0.1'],
    ['http://localhost:9/hook', 'resolves to'],
    ['http://169.254.169.254/latest/meta-data/', 'resolves to 169.254.169.254'],
    ['http://2130706433/hook', 'resolves to 127.0.0.1'],
    ['http://0x7f.1/hook', 'resolves to 127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/hook', 'resolves to ::ffff:7f00:1'],
    ['http://[::1]/hook', 'resolves to ::1'],
    ['ftp://hooks.example.com/x', 'must be http or https'],
    ['https://user:pw@hooks.example.com/x', 'user name or password'],
  ])('refuses %s with ALERT_URL_REFUSED and says why', async (url, why) => {
    const res = await api('POST', '/v1/alerts', { url, events: ['all'] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ALERT_URL_REFUSED');
    expect(res.body.message).toContain(why);
    expect((await api('GET', '/v1/alerts')).body).not.toContainEqual(expect.objectContaining({ url }));
  });

  it('refuses an unknown event by name', async () => {
    const res = await api('POST', '/v1/alerts', {
      url: receiver.url,
      events: ['budget_spnt'],
      allowPrivate: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('Unknown alert event budget_spnt');
  });

  it('shows the secret once; the list, the audit trail and the log show its hint only', async () => {
    const { secret, info } = await subscribe(['budget_spent']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(info.secretHint).toBe(`whsec_…${secret.slice(-4)}`);
    const list = await api('GET', '/v1/alerts');
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const audit = await s.deps.core.db.db
      .selectFrom('AuditLog')
      .selectAll()
      .where('Action', 'like', 'alert.%')
      .execute();
    expect(audit.map((a) => a.Action)).toContain('alert.subscribe');
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.parse(audit.find((a) => a.Action === 'alert.subscribe')!.AfterJson!)).toMatchObject({
      allowPrivate: true,
    });
    const removed = await api('DELETE', `/v1/alerts/${info.subscriptionId}`);
    expect(removed.status).toBe(200);
    expect((await api('DELETE', `/v1/alerts/${info.subscriptionId}`)).body.code).toBe(
      'ALERT_SUBSCRIPTION_NOT_FOUND',
    );
  });
});

describe('delivering', () => {
  it('a test event arrives signed (HMAC-SHA256 over timestamp and body), with the delivery id and event headers', async () => {
    const { secret, info } = await subscribe(['threshold_crossed']);
    const res = await api('POST', `/v1/alerts/${info.subscriptionId}/test`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'delivered',
      delivery: { outcome: 'delivered', statusCode: 200, attempt: 1 },
    });
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    const ts = Number(got!.headers['x-igw-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
    expect(got!.headers['x-igw-event']).toBe('test');
    expect(got!.headers['x-igw-delivery']).toBe(String(res.body.outboxId));
    expect(verifyAlertSignature(secret, ts, got!.body, String(got!.headers['x-igw-signature']))).toBe(true);
    expect(verifyAlertSignature('whsec_wrong', ts, got!.body, String(got!.headers['x-igw-signature']))).toBe(
      false,
    );
    expect(verifyAlertSignature(secret, ts + 1, got!.body, String(got!.headers['x-igw-signature']))).toBe(
      false,
    );
    expect(JSON.parse(got!.body)).toMatchObject({ event: 'test', key: { id: null, hint: null } });
    await api('DELETE', `/v1/alerts/${info.subscriptionId}`);
  });

  it('a failed first attempt (500) is retried with the same delivery id and delivered; the log shows both attempts', async () => {
    receiver.setAnswer(({ seen }) => (seen === 0 ? 500 : 204));
    const { info } = await subscribe(['threshold_crossed']);
    const res = await api('POST', `/v1/alerts/${info.subscriptionId}/test`, {});
    expect(res.body).toMatchObject({ status: 'pending', delivery: { outcome: 'retry', statusCode: 500 } });
    await until('the retry', () => receiver.received.some((r) => r.answered === 204));
    const ids = new Set(receiver.received.map((r) => r.headers['x-igw-delivery']));
    expect(ids).toEqual(new Set([String(res.body.outboxId)]));
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 204]);
    await until('the log', async () => {
      const log = await api('GET', `/v1/alerts/deliveries?subscriptionId=${info.subscriptionId}&limit=10`);
      return (
        (log.body as unknown as unknown[]).length === 2 && JSON.stringify(log.body).includes('"delivered"')
      );
    });
    const log = (await api('GET', `/v1/alerts/deliveries?subscriptionId=${info.subscriptionId}&limit=10`))
      .body as unknown as Array<Record<string, unknown>>;
    expect(log.map((d) => [d.attempt, d.statusCode, d.error, d.outboxStatus])).toEqual([
      [2, 204, null, 'delivered'],
      [1, 500, 'HTTP 500', 'delivered'],
    ]);
    await api('DELETE', `/v1/alerts/${info.subscriptionId}`);
  });

  it('a redirect is not followed: it counts as a failed attempt', async () => {
    receiver.setAnswer(() => 302);
    const { info } = await subscribe(['threshold_crossed']);
    const res = await api('POST', `/v1/alerts/${info.subscriptionId}/test`, {});
    expect(res.body).toMatchObject({
      delivery: { outcome: 'retry', statusCode: 302, error: 'HTTP 302 (redirects are not followed)' },
    });
    await api('DELETE', `/v1/alerts/${info.subscriptionId}`);
  });
});

describe('events from the ledger and the provider', () => {
  it('threshold crossed and budget spent, once each, with figures and the key hint, never the key', async () => {
    await subscribe(['threshold_crossed', 'budget_spent']);
    // One extraction takes the key under its threshold, and below what a minimal request needs.
    const limit = minimalRequestTokens(s.deps.core.ledger) + 500;
    const { tokenId } = await addKey('ALRT1', 'alerts-budget', {
      totalTokenLimit: limit,
      threshold: limit - 1,
    });
    const res = await extract('ALRT1');
    expect(res.status, await res.clone().text()).toBe(200);
    await until('both alerts', () => receiver.received.filter((r) => r.answered === 200).length >= 2);
    const events = receiver.received.map(
      (r) =>
        JSON.parse(r.body) as { event: string; figures: Record<string, number>; requestId: string | null },
    );
    const threshold = events.find((e) => e.event === 'threshold_crossed');
    expect(threshold).toMatchObject({
      company: { id: 'ALRT1' },
      key: { id: tokenId, hint: expect.stringMatching(/^AIza…/) },
      figures: { limit, threshold: limit - 1 },
    });
    expect(threshold!.figures.used).toBeGreaterThan(0);
    expect(threshold!.requestId).toEqual(expect.any(String));
    expect(events.find((e) => e.event === 'budget_spent')).toMatchObject({ key: { id: tokenId } });
    // Another request on the spent key raises nothing new.
    await extract('ALRT1');
    expect(receiver.received.filter((r) => JSON.parse(r.body).event === 'budget_spent')).toHaveLength(1);
    for (const r of receiver.received) expectNoKeyIn(r.body + JSON.stringify(r.headers));
  });

  it('a key the provider rejects and a key whose daily quota is spent raise key_rejected and daily_quota_hit', async () => {
    await subscribe(['key_rejected', 'daily_quota_hit']);
    const rejected = await addKey('ALRT2', 'alerts-rejected');
    const quota = await addKey('ALRT3', 'alerts-quota');
    s.emulator.setKeyState(rejected.key, 'invalid');
    s.emulator.setKeyState(quota.key, 'daily_quota');
    await extract('ALRT2');
    await extract('ALRT3');
    await until('both alerts', () => receiver.received.filter((r) => r.answered === 200).length >= 2);
    const byEvent = Object.fromEntries(
      receiver.received.map((r) => [r.headers['x-igw-event'], JSON.parse(r.body)]),
    );
    expect(byEvent.key_rejected).toMatchObject({ key: { id: rejected.tokenId }, company: { id: 'ALRT2' } });
    expect(byEvent.daily_quota_hit).toMatchObject({
      key: { id: quota.tokenId },
      figures: { until: expect.any(String) },
    });
    for (const r of receiver.received) expectNoKeyIn(r.body);
  });

  it('a key expiring within the warning window raises key_expiring once per expiry date', async () => {
    await subscribe(['key_expiring']);
    const { tokenId } = await addKey('ALRT4', 'alerts-expiring', {
      expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    const { checkExpiringKeys } = await import('@invoicegw/core');
    expect(await checkExpiringKeys(s.deps.core, 7)).toBe(1);
    expect(await checkExpiringKeys(s.deps.core, 7)).toBe(0);
    await until('the alert', () => receiver.received.length >= 1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      event: 'key_expiring',
      key: { id: tokenId },
    });
  });
});
