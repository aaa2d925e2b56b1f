import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// The dashboard in a real browser: Debian's Chromium driven by playwright-core (which never
// downloads a browser), against the real server on loopback. .ci/run installs Chromium; on a
// machine without it these tests are skipped with the reason in their title, except in CI.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const WAIT = { timeout: 15_000 };
const KEYS = [fakeKey('browser-a'), fakeKey('browser-b')];
const NEW_KEY = fakeKey('browser-new');

let s: TestServer;
let browser: Browser;

async function newPage(
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // A CSP violation, a script error or a failed asset shows up here.
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${m.text()} (${page.url()})`);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return { context, page, problems };
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

async function signIn(page: Page, key: string, operator: string) {
  await page.goto(`${s.url}/ui`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
  await page.getByLabel('Admin key').fill(key);
  await page.getByLabel(/Operator name/).fill(operator);
  // Keyboard: Enter in the form submits it.
  await page.getByLabel('Admin key').press('Enter');
}

const title = HAVE_CHROMIUM
  ? 'dashboard in Chromium'
  : `dashboard in Chromium (skipped: ${CHROMIUM} is not installed; .ci/run installs it)`;

describe.skipIf(!HAVE_CHROMIUM && !process.env.CI)(title, () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startTestServer({ CACHE_MAX_ENTRIES: '0' });
    for (const [i, apiKey] of KEYS.entries()) {
      const res = await fetch(`${s.url}/v1/tokens`, {
        method: 'POST',
        headers: { ...s.admin, 'content-type': 'application/json' },
        body: JSON.stringify({
          companyId: 'BRW01',
          companyName: 'Browser Traders',
          apiKey,
          totalTokenLimit: 50_000 + i * 10_000,
        }),
      });
      expect(res.status).toBe(200);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('refuses a wrong admin key', async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, 'igw_admin_wrong-key-for-the-browser', 'mallory');
      await page.getByRole('alert').filter({ hasText: 'That is not the admin key.' }).waitFor(WAIT);
      expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
      expect(await page.getByLabel('Admin key').inputValue()).toBe('');
      expect((await context.cookies()).some((c) => c.name === 'igw_session')).toBe(false);
      await shot(page, 'sign-in-refused');
    } finally {
      await context.close();
    }
  }, 60_000);

  it('signs in, manages keys, follows the log tail, and signs out', async () => {
    const { context, page, problems } = await newPage();
    try {
      await signIn(page, ADMIN, 'erin');
      await page.getByRole('heading', { name: 'Companies and keys' }).waitFor(WAIT);
      await page.getByText('Signed in as erin').waitFor(WAIT);
      const cookie = (await context.cookies()).find((c) => c.name === 'igw_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });

      // The seeded keys, each with its quota bar.
      await page.getByRole('heading', { name: /BRW01/ }).waitFor(WAIT);
      const bars = page.getByRole('img', { name: /^Quota: 0 used, 0 held, [\d,]+ left of (50,000|60,000)$/ });
      expect(await bars.count()).toBe(2);
      expect(await page.getByRole('link', { name: /^Manage key #\d+$/ }).count()).toBe(2);
      await shot(page, 'keys');

      // Rotate the first key: the new key goes into a password field and never comes back.
      await page
        .getByRole('link', { name: /^Manage key #\d+$/ })
        .first()
        .click();
      await page.getByRole('heading', { name: /^Key #\d+/ }).waitFor(WAIT);
      const oldId = Number(/keys\/(\d+)/.exec(page.url())?.[1]);
      expect(await page.getByLabel('New API key').getAttribute('type')).toBe('password');
      await page.getByLabel('New API key').fill(NEW_KEY);
      await page.getByLabel('Grace period (seconds)').fill('900');
      await page.getByRole('button', { name: 'Rotate key' }).click();
      await page.getByRole('status').filter({ hasText: 'Rotated: this is the new key' }).waitFor(WAIT);
      const newId = Number(/keys\/(\d+)/.exec(page.url())?.[1]);
      expect(newId).not.toBe(oldId);
      await page.getByText(`replaces key #${oldId}`).first().waitFor(WAIT);
      expect(await page.getByLabel('New API key').inputValue()).toBe('');
      expect(await page.content()).not.toContain(NEW_KEY);
      await shot(page, 'key');

      // Disable and re-enable it.
      await page.getByLabel('Reason', { exact: false }).first().fill('browser test');
      await page.getByRole('button', { name: 'Disable key' }).click();
      await page.getByRole('status').filter({ hasText: 'the key is now Disabled' }).waitFor(WAIT);
      await page.getByRole('button', { name: 'Enable key' }).click();
      await page.getByRole('status').filter({ hasText: 'the key is now Active' }).waitFor(WAIT);

      // The keys page shows the rotation in progress.
      await page.getByRole('link', { name: 'Keys', exact: true }).click();
      await page.getByText(/rotation: retires .* → key #\d+/).waitFor(WAIT);

      // A new extraction appears in the log tail without reloading the page.
      await page.getByRole('link', { name: 'Log tail' }).click();
      await page.getByRole('heading', { name: 'Log tail' }).waitFor(WAIT);
      const before = await page.getByRole('cell', { name: /Invoice extracted/ }).count();
      const url = page.url();
      // One failed attempt first (retried on the same call), for the errors page.
      s.emulator.queueFaults([{ type: 'overloaded' }]);
      const extracted = await fetch(`${s.url}/extract`, {
        method: 'POST',
        body: uploadForm(
          { companyID: 'BRW01', username: 'browser' },
          { bytes: renderInvoicePdf(DEMO_INVOICE) },
        ),
      });
      expect(extracted.status).toBe(200);
      await page
        .getByRole('cell', { name: /Invoice extracted/ })
        .nth(before)
        .waitFor(WAIT);
      expect(page.url()).toBe(url);
      await page
        .getByRole('status')
        .filter({ hasText: /^Following: checked/ })
        .waitFor(WAIT);
      await shot(page, 'logs');

      await page.getByRole('link', { name: 'Usage' }).click();
      await page.getByRole('heading', { name: /tokens per day/ }).waitFor(WAIT);
      await page.getByRole('img', { name: /^All companies: [\d,]+ tokens over 30 days/ }).waitFor(WAIT);
      await shot(page, 'usage');

      await page.getByRole('link', { name: 'Errors' }).click();
      await page.getByRole('heading', { name: 'Errors and failed attempts' }).waitFor(WAIT);
      await page.getByRole('rowheader', { name: 'UNAVAILABLE' }).waitFor(WAIT);
      await shot(page, 'errors');

      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor(WAIT);
      await page.getByRole('cell', { name: 'token.rotate' }).first().waitFor(WAIT);
      await page.getByRole('cell', { name: 'erin', exact: true }).first().waitFor(WAIT);
      await shot(page, 'audit');

      await page.getByRole('link', { name: 'Cache' }).click();
      await page.getByRole('heading', { name: 'Result cache' }).waitFor(WAIT);
      await page.getByRole('button', { name: 'Invalidate cache' }).click();
      await page.getByRole('status').filter({ hasText: 'Cache invalidated' }).waitFor(WAIT);
      await shot(page, 'cache');

      // A phone-sized screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByRole('link', { name: 'Keys', exact: true }).click();
      await page.getByRole('heading', { name: 'Companies and keys' }).waitFor(WAIT);
      await shot(page, 'keys-phone');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('status').filter({ hasText: 'Signed out.' }).waitFor(WAIT);
      expect((await context.cookies()).some((c) => c.name === 'igw_session')).toBe(false);
      await page.goto(`${s.url}/ui/usage`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
      await shot(page, 'sign-in');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
