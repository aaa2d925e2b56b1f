import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { startReceiver } from './alerts/webhook-receiver.ts';
import { ADMIN, startTestServer, type TestServer } from './helpers.ts';

// The dashboard's alerts page in process (app.request): add (secret shown once), a private
// address refused with the reason, test, the delivery log, remove.
let s: TestServer;
let app: ReturnType<typeof createApp>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const ORIGIN = 'http://localhost';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let session = '';

const post = (path: string, body: URLSearchParams, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { ...FORM, origin: ORIGIN, cookie: session, ...headers },
    body: body.toString(),
  });

beforeAll(async () => {
  receiver = await startReceiver();
  s = await startTestServer();
  app = createApp(s.deps);
  const res = await app.request('/ui/sign-in', {
    method: 'POST',
    headers: { ...FORM, origin: ORIGIN },
    body: new URLSearchParams({ adminKey: ADMIN, operator: 'alice' }).toString(),
  });
  session = /igw_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
  expect(session).not.toBe('');
});
afterAll(async () => {
  await s?.stop();
  await receiver?.close();
});

describe('the alerts page', () => {
  it('is in the navigation', async () => {
    const page = await (await app.request('/ui/alerts', { headers: { cookie: session } })).text();
    expect(page).toContain('<a href="/ui/alerts" aria-current="page">Alerts</a>');
    expect(page).toContain('No webhook subscriptions yet.');
  });

  it('refuses a private address with the reason, and adds one allowed explicitly, showing the secret once', async () => {
    const refused = await post(
      '/ui/alerts/add',
      new URLSearchParams([
        ['url', 'http://192.168.1.10/hook'],
        ['events', 'budget_spent'],
      ]),
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('resolves to 192.168.1.10');
    const added = await post(
      '/ui/alerts/add',
      new URLSearchParams([
        ['url', receiver.url],
        ['events', 'budget_spent'],
        ['events', 'key_rejected'],
        ['allowPrivate', '1'],
        ['label', 'pager <b>'],
      ]),
    );
    expect(added.status).toBe(200);
    expect(added.headers.get('cache-control')).toBe('no-store');
    const html = await added.text();
    const secret = /whsec_[A-Za-z0-9_-]{32}/.exec(html)?.[0];
    expect(secret).toBeDefined();
    expect(html).toContain('budget_spent, key_rejected');
    expect(html).toContain('pager &lt;b&gt;');
    const again = await (await app.request('/ui/alerts', { headers: { cookie: session } })).text();
    expect(again).not.toContain(secret!);
    expect(again).toContain(`whsec_…${secret!.slice(-4)}`);
  });

  it('tests a subscription and shows the delivery log; removes it', async () => {
    const tested = await post('/ui/alerts/1/test', new URLSearchParams());
    const html = await tested.text();
    expect(html).toMatch(/Test alert \d+: delivered \(HTTP 200\)/);
    expect(html).toMatch(/<td>test<\/td><td>1<\/td><td>200<\/td>/);
    expect(receiver.received).toHaveLength(1);
    const removed = await post('/ui/alerts/1/remove', new URLSearchParams());
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe('/ui/alerts?done=removed');
    const missing = await post('/ui/alerts/1/remove', new URLSearchParams());
    expect(missing.status).toBe(404);
  });

  it('refuses a form from another site', async () => {
    const res = await post('/ui/alerts/add', new URLSearchParams([['url', receiver.url]]), {
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
  });
});
