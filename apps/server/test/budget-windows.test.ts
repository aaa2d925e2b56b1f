import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { ADMIN, fakeKey, startTestServer, type TestServer } from './helpers.ts';

// Periodic budgets through REST (generated from the procedures) and the dashboard form.
let s: TestServer;
let app: ReturnType<typeof createApp>;
let tokenId = 0;
const ORIGIN = 'http://localhost';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const admin = (path: string, init: RequestInit = {}) =>
  app.request(path, {
    ...init,
    headers: { ...s.admin, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });

beforeAll(async () => {
  s = await startTestServer();
  app = createApp(s.deps);
  const res = await admin('/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ companyId: 'BUD01', apiKey: fakeKey('budget-rest'), totalTokenLimit: 80_000 }),
  });
  expect(res.status).toBe(200);
  tokenId = ((await res.json()) as { tokenId: number }).tokenId;
});
afterAll(async () => {
  await s.stop();
});

describe('budget periods over REST and the dashboard', () => {
  it('sets a monthly budget in a time zone, shows the window, and refuses what it cannot use', async () => {
    const plain = (await (await admin(`/v1/tokens/${tokenId}`)).json()) as Record<string, unknown>;
    expect(plain).toMatchObject({ budgetPeriod: 'none', budgetTimeZone: 'UTC', window: null });

    const set = await admin(`/v1/tokens/${tokenId}/budget`, {
      method: 'POST',
      body: JSON.stringify({ period: 'monthly', timeZone: 'Europe/Berlin', reason: 'contract' }),
    });
    expect(set.status).toBe(200);
    const view = (await set.json()) as { budgetPeriod: string; window: { nextResetAt: string } | null };
    expect(view).toMatchObject({ budgetPeriod: 'monthly', budgetTimeZone: 'Europe/Berlin' });
    // Midnight in Berlin on the 1st: 22:00 or 23:00 UTC the day before.
    const next = new Date(view.window?.nextResetAt as string);
    expect([22, 23]).toContain(next.getUTCHours());
    expect(new Date(next.getTime() + 3 * 3_600_000).getUTCDate()).toBe(1);

    const badZone = await admin(`/v1/tokens/${tokenId}/budget`, {
      method: 'POST',
      body: JSON.stringify({ period: 'daily', timeZone: 'Mars/Olympus' }),
    });
    expect(badZone.status).toBe(400);
    expect(((await badZone.json()) as { message: string }).message).toMatch(
      /Unknown time zone "Mars\/Olympus"/,
    );
    const badPeriod = await admin(`/v1/tokens/${tokenId}/budget`, {
      method: 'POST',
      body: JSON.stringify({ period: 'hourly' }),
    });
    expect(badPeriod.status).toBe(400);
    const missing = await admin('/v1/tokens/999999/budget', {
      method: 'POST',
      body: JSON.stringify({ period: 'daily' }),
    });
    expect(missing.status).toBe(404);

    const windows = await admin(`/v1/tokens/${tokenId}/budget-windows`);
    expect(windows.status).toBe(200);
    expect(await windows.json()).toEqual([]);
    const audit = (await (await admin(`/v1/audit?tokenId=${tokenId}&action=token.budget`)).json()) as Array<{
      before: Record<string, unknown>;
      after: Record<string, unknown>;
    }>;
    expect(audit[0]?.before).toMatchObject({ budgetPeriod: 'none' });
    expect(audit[0]?.after).toMatchObject({ budgetPeriod: 'monthly', budgetTimeZone: 'Europe/Berlin' });
  });

  it('the dashboard shows the window and changes the period through its form', async () => {
    const signIn = await app.request('/ui/sign-in', {
      method: 'POST',
      headers: { ...FORM, origin: ORIGIN },
      body: new URLSearchParams({ adminKey: ADMIN, operator: 'carol' }).toString(),
    });
    const cookie = /igw_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const page = await (await app.request(`/ui/keys/${tokenId}`, { headers: { cookie } })).text();
    expect(page).toContain('Budget period');
    expect(page).toMatch(/monthly \(Europe\/Berlin\); this window since/);
    const posted = await app.request(`/ui/keys/${tokenId}/budget`, {
      method: 'POST',
      headers: { ...FORM, origin: ORIGIN, cookie },
      body: new URLSearchParams({ period: 'weekly', timeZone: 'America/New_York', reason: '' }).toString(),
    });
    expect(posted.status).toBe(303);
    const after = (await (await admin(`/v1/tokens/${tokenId}`)).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ budgetPeriod: 'weekly', budgetTimeZone: 'America/New_York' });
    const list = await (await app.request('/ui', { headers: { cookie } })).text();
    expect(list).toMatch(/weekly budget, starts over/);
    const refused = await app.request(`/ui/keys/${tokenId}/budget`, {
      method: 'POST',
      headers: { ...FORM, origin: ORIGIN, cookie },
      body: new URLSearchParams({ period: 'weekly', timeZone: 'Nowhere/City' }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Unknown time zone');
  });
});
