import { readdirSync, readFileSync } from 'node:fs';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { SESSION_COOKIE, signSession } from '../src/auth/session-cookie.ts';
import { ADMIN, fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// The dashboard in process (app.request): sign-in, the session cookie, CSRF, and what pages show.
let s: TestServer;
let app: ReturnType<typeof createApp>;
const ORIGIN = 'http://localhost';
const KEYS = [fakeKey('web-one'), fakeKey('web-two')];
const ROTATED = fakeKey('web-rotated');
const ids: number[] = [];

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(operator = 'alice', headers: Record<string, string> = {}) {
  const res = await app.request('/ui/sign-in', {
    method: 'POST',
    headers: { ...FORM, origin: ORIGIN, ...headers },
    body: form({ adminKey: ADMIN, operator }),
  });
  return res;
}
const cookieOf = (res: Response) => /igw_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
let session = '';

const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { ...FORM, origin: ORIGIN, cookie: session, ...headers },
    body: form(fields),
  });
const get = (path: string, cookie = session) => app.request(path, { headers: cookie ? { cookie } : {} });
const admin = (path: string, init: RequestInit = {}) =>
  app.request(path, {
    ...init,
    headers: { ...s.admin, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });

beforeAll(async () => {
  s = await startTestServer({ CACHE_MAX_ENTRIES: '0' });
  app = createApp(s.deps);
  for (const [i, apiKey] of KEYS.entries()) {
    const res = await admin('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({
        companyId: i === 0 ? 'WEB01' : 'WEB02',
        companyName: i === 0 ? 'Web <b>One</b> & Co' : 'Web Two',
        apiKey,
        totalTokenLimit: 50_000,
      }),
    });
    expect(res.status).toBe(200);
    ids.push(((await res.json()) as { tokenId: number }).tokenId);
  }
  session = cookieOf(await signIn());
});
afterAll(async () => {
  await s.stop();
});

describe('dashboard sign-in and session', () => {
  it('sends a visitor without a session to the sign-in form, keeping where they were going', async () => {
    const res = await get('/ui', '');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/sign-in?next=%2Fui');
    const deep = await get('/ui/usage?days=7', '');
    expect(deep.headers.get('location')).toBe(`/ui/sign-in?next=${encodeURIComponent('/ui/usage?days=7')}`);
    const json = await get('/ui/logs.json', '');
    expect(json.status).toBe(401);
    expect(await json.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const form = await get('/ui/sign-in', '');
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('<label for="admin-key">');
    expect(html).toMatch(/<input[^>]*id="admin-key"[^>]*type="password"/);
    for (const path of ['/dashboard', '/admin', '/ui/'])
      expect((await app.request(path)).headers.get('location')).toBe('/ui');
  });

  it('sets an HttpOnly, SameSite=Strict cookie for /ui only, Secure behind https', async () => {
    const res = await signIn('bob');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^igw_session=[\w-]+\.[\w-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/ui');
    expect(cookie).toContain('Max-Age=28800');
    expect(cookie).not.toContain('Secure');
    expect(cookie).not.toContain(ADMIN);
    const behindProxy = await signIn('bob', { 'x-forwarded-proto': 'https' });
    expect(behindProxy.headers.get('set-cookie')).toContain('Secure');
    const direct = await app.request('https://gw.example/ui/sign-in', {
      method: 'POST',
      headers: { ...FORM, origin: 'https://gw.example' },
      body: form({ adminKey: ADMIN }),
    });
    expect(direct.headers.get('set-cookie')).toContain('Secure');
    const page = await get('/ui', cookieOf(res));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Signed in as <strong>bob</strong>');
  });

  it('refuses a wrong admin key without a cookie and without echoing it', async () => {
    const wrong = 'igw_admin_not-the-right-key-000000';
    const res = await app.request('/ui/sign-in', {
      method: 'POST',
      headers: { ...FORM, origin: ORIGIN },
      body: form({ adminKey: wrong, operator: `me ${ADMIN}` }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).toContain('That is not the admin key.');
    expect(html).not.toContain(wrong);
    expect(html).not.toContain(ADMIN);
  });

  it('refuses a tampered, expired or foreign session cookie, and clears it', async () => {
    const [payload, mac] = session.slice(`${SESSION_COOKIE}=`.length).split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...body, a: 'mallory' })).toString('base64url');
    const now = Date.now();
    const bad = [
      `${forged}.${mac}`,
      `${payload}.${mac.slice(0, -2)}AA`,
      signSession({ actor: 'alice', expiresAt: now - 1000 }, ADMIN),
      signSession({ actor: 'alice', expiresAt: now + 60_000 }, 'another-admin-key'),
      'garbage',
    ];
    for (const value of bad) {
      const res = await get('/ui', `${SESSION_COOKIE}=${value}`);
      expect(res.status, value).toBe(303);
      expect(res.headers.get('location')).toBe('/ui/sign-in?next=%2Fui&ended=1');
      expect(res.headers.get('set-cookie')).toMatch(/^igw_session=;.*Max-Age=0/);
      const action = await post(
        `/ui/keys/${ids[0]}/status`,
        { status: 'Disabled' },
        {
          cookie: `${SESSION_COOKIE}=${value}`,
        },
      );
      expect(action.status).toBe(303);
      expect(action.headers.get('location')).toBe('/ui/sign-in?ended=1');
    }
    const fresh = signSession({ actor: 'carol', expiresAt: now + 60_000 }, ADMIN);
    expect((await get('/ui', `${SESSION_COOKIE}=${fresh}`)).status).toBe(200);
    // The cookie is a dashboard session only, never an API credential.
    expect(
      (await app.request('/v1/tokens', { headers: { cookie: `${SESSION_COOKIE}=${fresh}` } })).status,
    ).toBe(401);
    const status = (await (await admin(`/v1/tokens/${ids[0]}`)).json()) as { status: string };
    expect(status.status).toBe('Active');
  });

  it('refuses a forged cross-site POST even with a valid session', async () => {
    const forgeries: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: '', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of forgeries) {
      const res = await post(`/ui/keys/${ids[0]}/status`, { status: 'Disabled', reason: 'csrf' }, headers);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('nothing was changed');
    }
    const signInCsrf = await app.request('/ui/sign-in', {
      method: 'POST',
      headers: { ...FORM, origin: 'https://evil.example' },
      body: form({ adminKey: ADMIN }),
    });
    expect(signInCsrf.status).toBe(403);
    expect(signInCsrf.headers.get('set-cookie')).toBeNull();
    const token = (await (await admin(`/v1/tokens/${ids[0]}`)).json()) as { status: string };
    expect(token.status).toBe('Active');
  });

  it('signs out by clearing the cookie', async () => {
    const res = await post('/ui/sign-out', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/sign-in?signedOut=1');
    expect(res.headers.get('set-cookie')).toMatch(/^igw_session=;.*Max-Age=0.*Path=\/ui/);
  });
});

describe('dashboard pages and actions', () => {
  it('records each action with the operator name typed at sign-in', async () => {
    const disabled = await post(`/ui/keys/${ids[1]}/status`, { status: 'Disabled', reason: 'web test' });
    expect(disabled.status).toBe(303);
    expect(disabled.headers.get('location')).toBe(`/ui/keys/${ids[1]}?done=status`);
    const page = await (await get(`/ui/keys/${ids[1]}?done=status`)).text();
    expect(page).toContain('Saved: the key is now Disabled.');
    expect((await post(`/ui/keys/${ids[1]}/status`, { status: 'Active' })).status).toBe(303);
    expect(
      (await post(`/ui/keys/${ids[1]}/limit`, { totalTokenLimit: '60000', threshold: '500', reason: '' }))
        .status,
    ).toBe(303);
    expect(
      (await post(`/ui/keys/${ids[1]}/expiry`, { expiresAt: '2031-01-02T03:04', action: 'set' })).status,
    ).toBe(303);
    const token = (await (await admin(`/v1/tokens/${ids[1]}`)).json()) as Record<string, unknown>;
    expect(token).toMatchObject({
      status: 'Active',
      totalTokenLimit: 60_000,
      expiresAt: '2031-01-02T03:04:00.000Z',
    });
    const audit = (await (await admin(`/v1/audit?tokenId=${ids[1]}`)).json()) as Array<{
      actor: string;
      action: string;
      reason: string | null;
    }>;
    expect(audit.length).toBeGreaterThanOrEqual(4);
    expect(audit.filter((a) => a.action !== 'token.add').every((a) => a.actor === 'alice')).toBe(true);
    expect(audit.some((a) => a.reason === 'web test')).toBe(true);
  });

  it('shows a refused change in the error table words, with its status, and changes nothing', async () => {
    const res = await post(`/ui/keys/${ids[1]}/limit`, { totalTokenLimit: '-5' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('totalTokenLimit');
    const missing = await get('/ui/keys/999999');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Not found');
  });

  it('rotates a key from a password field and never puts any key in any page', async () => {
    const rotated = await post(`/ui/keys/${ids[0]}/rotate`, { newApiKey: ROTATED, graceSeconds: '600' });
    expect(rotated.status).toBe(303);
    const location = rotated.headers.get('location') ?? '';
    expect(location).toMatch(/^\/ui\/keys\/\d+\?done=rotate$/);
    const newId = Number(/keys\/(\d+)/.exec(location)?.[1]);
    // A duplicate rotation is refused and the key typed is not echoed back.
    const again = await post(`/ui/keys/${ids[1]}/rotate`, { newApiKey: ROTATED });
    expect(again.status).toBe(409);
    expect(await again.text()).not.toContain(ROTATED);

    const extracted = await app.request('/extract', {
      method: 'POST',
      body: uploadForm({ companyID: 'WEB02', username: 'web' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
    });
    expect(extracted.status).toBe(200);
    await s.deps.logSink.flush();

    const pages = [
      '/ui',
      '/ui?includeRemoved=true',
      `/ui/keys/${ids[0]}`,
      `/ui/keys/${ids[1]}`,
      `/ui/keys/${newId}?done=rotate`,
      '/ui/usage',
      '/ui/usage?company=WEB02&days=7',
      `/ui/usage?key=${ids[1]}`,
      '/ui/errors',
      '/ui/logs',
      '/ui/logs?level=warning&own=1',
      '/ui/logs.json?afterId=0&own=1',
      '/ui/audit',
      `/ui/audit?key=${ids[0]}`,
      '/ui/cache',
      '/ui/sign-in',
      '/ui/no-such-page',
    ];
    const seen: string[] = [];
    for (const path of pages) {
      const res = await get(path);
      expect([200, 404], path).toContain(res.status);
      const text = await res.text();
      seen.push(text);
      for (const secret of [...KEYS, ROTATED, ADMIN]) expect(text, path).not.toContain(secret);
      expect(res.headers.get('content-security-policy'), path).toContain("script-src 'self'");
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const keysPage = seen[0]!;
    expect(keysPage).toContain('Web &lt;b&gt;One&lt;/b&gt; &amp; Co');
    expect(keysPage).toMatch(/aria-label="Quota: [\d,]+ used, [\d,]+ held, [\d,]+ left of 50,000"/);
    expect(keysPage).toContain(`replaces key #${ids[0]}`);
    const newPage = seen[4]!;
    expect(newPage).toContain('Rotated: this is the new key');
    expect(newPage).toMatch(/<input[^>]*id="new-key"[^>]*type="password"/);
    expect(seen[5]).toContain('Presumed charges');
    expect(seen.some((t) => t.includes('Invoice extracted'))).toBe(true);
  });

  it('invalidates the cache and follows the log as JSON after a cursor', async () => {
    const res = await post('/ui/cache/invalidate', { companyId: 'WEB02' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/ui\/cache\?done=invalidated&removed=\d+$/);
    const first = (await (await get('/ui/logs.json?afterId=0')).json()) as {
      rows: Array<{ logId: number; message: string }>;
      cursor: number;
    };
    expect(first.cursor).toBeGreaterThan(0);
    // The dashboard's own page views are left out unless asked for.
    expect(first.rows.some((r) => /^GET \/ui/.test(r.message))).toBe(false);
    const later = (await (await get(`/ui/logs.json?afterId=${first.cursor}`)).json()) as { cursor: number };
    expect(later.cursor).toBeGreaterThanOrEqual(first.cursor);
  });
});

describe('dashboard sources', () => {
  it('every .tsx file names Hono JSX itself (`pnpm start` runs tsx from the root, which reads no tsconfig of ours)', () => {
    const dir = new URL('../src/web/', import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tsx'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files)
      expect(readFileSync(new URL(file, dir), 'utf8'), file).toMatch(
        /^\/\*\* @jsxRuntime automatic @jsxImportSource hono\/jsx \*\//,
      );
  });
});
