import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  countOpenReservations,
  findLedgerViolations,
  getSummary,
  listClosedBudgetWindows,
} from '@invoicegw/db';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { extractInvoice } from '../src/extraction/extract-invoice.ts';
import { sweepLedger } from '../src/ledger/sweeper.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { rotateToken } from '../src/tokens/rotate-token.ts';
import { setTokenBudget } from '../src/tokens/set-token-budget.ts';
import { getTokenView } from '../src/tokens/token-view.ts';
import { extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

// A key with a monthly budget across its reset, with requests in flight: each window is charged
// exactly what the provider billed for the calls whose holds were counted in it. The rule: a hold
// open at the reset settles into the window it was taken in; the new window starts at zero.

const WORKER = fileURLToPath(new URL('./fixtures/budget-reset-worker.ts', import.meta.url));
/** A different invoice per request: identical uploads would share one call (single flight, cache). */
const pdf = (id: string) => renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: id }, { compress: true });
let emulator: Emulator;
const cores: TestCore[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.dispose();
  emulator.reset();
});

async function testCore(): Promise<TestCore> {
  const core = await createTestCore();
  cores.push(core);
  return core;
}

/** Polls a condition (no fixed sleeps): the emulator has received the calls in flight. */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What the emulator billed for these request ids. */
function billed(requestIds: readonly string[]): number {
  const ids = new Set(requestIds);
  return emulator
    .requests()
    .filter((r) => r.requestId !== null && ids.has(r.requestId))
    .reduce((s, r) => s + r.chargedTokens, 0);
}

/** Moves the test clock to `at` plus `ms`. */
function moveTo(core: TestCore, at: string, ms: number): void {
  core.advance(Date.parse(at) + ms - core.now().getTime());
}

describe('a monthly budget across its reset', () => {
  it('charges every window exactly what the provider billed for the calls held in it, with calls in flight at the reset', async () => {
    const core = await testCore();
    const deps = extractionDeps(core, emulator, { attemptTimeoutMs: 30_000, deadlineMs: 60_000 });
    const apiKey = fakeKey('monthly');
    const { tokenId } = await addToken(core, OPS, { companyId: 'NT047', apiKey, totalTokenLimit: 1_000_000 });
    const budget = await setTokenBudget(core, OPS, tokenId, { period: 'monthly', timeZone: 'Europe/Berlin' });
    expect(budget.budgetPeriod).toBe('monthly');
    const firstReset = budget.window?.nextResetAt as string;
    // The 1st of next month, midnight in Berlin.
    expect(new Date(firstReset).getUTCHours()).toBeGreaterThanOrEqual(22);

    let n = 0;
    const extract = (id: string) =>
      extractInvoice(deps, {
        requestId: id,
        companyId: 'NT047',
        username: 'tester',
        branch: 'TEST',
        file: { bytes: pdf(id), declaredType: 'application/pdf' },
      });
    const ids = (count: number, prefix: string) => Array.from({ length: count }, () => `${prefix}-${++n}`);

    // Window 1: two calls settle, then three are held in flight (the emulator answers slowly)
    // across the reset, taken 30 s before it.
    const settledInW1 = ids(2, 'w1');
    for (const id of settledInW1) await extract(id);
    moveTo(core, firstReset, -30_000);
    const inFlight = ids(3, 'w1-flight');
    emulator.queueFaults(
      inFlight.map(() => ({ type: 'slow' as const, delayMs: 8000 })),
      apiKey,
    );
    const flying = inFlight.map((id) => extract(id));
    await until(() => emulator.requests().length === 5, 'three calls in flight');
    expect(await countOpenReservations(core.db)).toBe(3);

    // The clock passes the reset; the sweeper resets the window while the three are in flight.
    moveTo(core, firstReset, 30_000);
    expect((await sweepLedger(core)).windowsReset).toBe(1);
    const marked = await core.db.db
      .selectFrom('TokenReservations')
      .select('BudgetWindowEnd')
      .where('TokenID', '=', tokenId)
      .execute();
    expect(marked.map((m) => new Date(m.BudgetWindowEnd as string).toISOString())).toEqual([
      firstReset,
      firstReset,
      firstReset,
    ]);
    // The new window starts at zero used; the three holds still count as reserved.
    const fresh = await getTokenView(core.db, tokenId);
    expect(fresh.usage?.used).toBe(0);
    expect(fresh.window?.startedAt).toBe(firstReset);

    // Window 2: two calls while the three from window 1 are still in flight.
    const inW2 = ids(2, 'w2');
    await Promise.all(inW2.map((id) => extract(id)));
    await Promise.all(flying);
    expect(await countOpenReservations(core.db)).toBe(0);

    const [closed] = await listClosedBudgetWindows(core.db, tokenId);
    expect(closed?.windowEnd).toBe(firstReset);
    expect(closed?.tokensUsed).toBe(billed([...settledInW1, ...inFlight]));
    expect(closed?.requestCount).toBe(5);
    expect((await getSummary(core.db, tokenId))?.totalUsedTokens).toBe(billed(inW2));
    expect(billed(inW2)).toBeGreaterThan(0);
    expect(await findLedgerViolations(core.db)).toEqual([]);

    // Window 2 → 3 with no sweeper: the first request after the next reset resets it lazily.
    const secondReset = (await getTokenView(core.db, tokenId)).window?.nextResetAt as string;
    expect(Date.parse(secondReset)).toBeGreaterThan(Date.parse(firstReset) + 27 * 86_400_000);
    moveTo(core, secondReset, 60_000);
    const inW3 = ids(1, 'w3');
    await extract(inW3[0] as string);
    const windows = await listClosedBudgetWindows(core.db, tokenId);
    expect(windows.map((w) => w.windowEnd)).toEqual([secondReset, firstReset]);
    expect(windows[0]?.tokensUsed).toBe(billed(inW2));
    expect((await getSummary(core.db, tokenId))?.totalUsedTokens).toBe(billed(inW3));

    // Nothing lost or doubled: the windows add up to everything the provider billed.
    const total = windows.reduce((s, w) => s + w.tokensUsed, 0) + billed(inW3);
    expect(total).toBe(emulator.stats().totalChargedTokens);
    expect(await findLedgerViolations(core.db)).toEqual([]);
  }, 60_000);

  it('a key whose window was spent (Exceeded) serves again after the reset, and is refused before it', async () => {
    const core = await testCore();
    const deps = extractionDeps(core, emulator);
    const { tokenId } = await addToken(core, OPS, {
      companyId: 'NT048',
      apiKey: fakeKey('spent'),
      // Room for one request's least hold (3,584 by default), not for a second after its charge.
      totalTokenLimit: 4_000,
    });
    const view = await setTokenBudget(core, OPS, tokenId, { period: 'daily', timeZone: 'UTC' });
    const run = (id: string) =>
      extractInvoice(deps, {
        requestId: id,
        companyId: 'NT048',
        username: 'tester',
        branch: 'TEST',
        file: { bytes: pdf(id), declaredType: 'application/pdf' },
      });
    // Spend the window until the key cannot cover another request.
    for (let i = 0; i < 10 && (await getTokenView(core.db, tokenId)).status === 'Active'; i++) {
      await run(`spend-${i}`).catch(() => undefined);
    }
    expect((await getTokenView(core.db, tokenId)).status).toBe('Exceeded');
    await expect(run('refused')).rejects.toMatchObject({
      code: 'TOKEN_LIMIT_EXCEEDED',
      message: expect.stringContaining(`Its budget starts over at ${view.window?.nextResetAt}.`),
    });
    moveTo(core, view.window?.nextResetAt as string, 1000);
    // The first request of the new day resets the window (no sweeper ran) and is served.
    await run('next-day');
    const after = await getTokenView(core.db, tokenId);
    expect(after.usage?.used).toBe(billed(['next-day']));
    const audit = await core.db.db
      .selectFrom('AuditLog')
      .select('Reason')
      .where('TokenID', '=', tokenId)
      .where('Action', '=', 'token.status.auto')
      .orderBy('AuditID')
      .execute();
    expect(audit.map((a) => a.Reason)).toEqual([
      expect.stringMatching(/cannot cover a minimal request/),
      expect.stringMatching(/^budget window reset/),
      // Its one request spent the small window again.
      expect.stringMatching(/cannot cover a minimal request/),
    ]);
    expect(await findLedgerViolations(core.db)).toEqual([]);
  }, 60_000);
});

describe('rotation of a key with a budget period', () => {
  it('carries the period, the window and what was spent of it; the new key starts over at the next reset', async () => {
    const core = await testCore();
    const deps = extractionDeps(core, emulator);
    const { tokenId } = await addToken(core, OPS, {
      companyId: 'NT049',
      apiKey: fakeKey('rot-old'),
      totalTokenLimit: 500_000,
    });
    await setTokenBudget(core, OPS, tokenId, { period: 'weekly', timeZone: 'America/New_York' });
    await extractInvoice(deps, {
      requestId: 'before-rotation',
      companyId: 'NT049',
      username: 'tester',
      branch: 'TEST',
      file: { bytes: pdf('before-rotation'), declaredType: 'application/pdf' },
    });
    const old = await getTokenView(core.db, tokenId);
    const spent = old.usage?.used ?? 0;
    expect(spent).toBeGreaterThan(0);
    const { current } = await rotateToken(core, OPS, {
      tokenId,
      newApiKey: fakeKey('rot-new'),
      graceSeconds: 60,
    });
    expect(current).toMatchObject({
      budgetPeriod: 'weekly',
      budgetTimeZone: 'America/New_York',
      totalTokenLimit: 500_000,
      window: {
        startedAt: old.window?.startedAt,
        nextResetAt: old.window?.nextResetAt,
        carriedTokens: spent,
      },
    });
    expect(current.usage).toMatchObject({ used: spent, remaining: 500_000 - spent });
    expect(await findLedgerViolations(core.db)).toEqual([]);

    // At the next reset the new key starts over at its full limit; the carried part is history.
    moveTo(core, old.window?.nextResetAt as string, 1000);
    await sweepLedger(core);
    const reset = await getTokenView(core.db, current.tokenId);
    expect(reset.usage).toMatchObject({ used: 0, remaining: 500_000 });
    expect(reset.window?.carriedTokens).toBe(0);
    const [closed] = await listClosedBudgetWindows(core.db, current.tokenId);
    expect(closed).toMatchObject({ tokensUsed: spent, carriedTokens: spent });
    expect(await findLedgerViolations(core.db)).toEqual([]);
  }, 60_000);

  it('a key without a period rotates as before: the new key gets what is left as its limit', async () => {
    const core = await testCore();
    const { tokenId } = await addToken(core, OPS, {
      companyId: 'NT050',
      apiKey: fakeKey('plain-old'),
      totalTokenLimit: 50_000,
    });
    const { current } = await rotateToken(core, OPS, { tokenId, newApiKey: fakeKey('plain-new') });
    expect(current).toMatchObject({ budgetPeriod: 'none', window: null, totalTokenLimit: 50_000 });
  });
});

describe('two replicas resetting the same window at once', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('exactly one closes it: one archive row, figures zeroed once', async () => {
    const core = await testCore();
    const { tokenId } = await addToken(core, OPS, {
      companyId: 'NT051',
      apiKey: fakeKey('race'),
      totalTokenLimit: 100_000,
    });
    const view = await setTokenBudget(core, OPS, tokenId, { period: 'daily', timeZone: 'Asia/Kolkata' });
    await core.db.db
      .updateTable('TokenUsageSummary')
      .set({ TotalUsedTokens: 700, TotalRemainingTokens: 99_300 })
      .where('TokenID', '=', tokenId)
      .execute();
    await core.db.db
      .insertInto('TokenUsageLogs')
      .values({ TokenID: tokenId, CompanyID: 'NT051', TotalTokensUsed: 700, LoggedAt: core.now() })
      .execute();
    const boundary = view.window?.nextResetAt as string;
    const now = new Date(Date.parse(boundary) + 1000).toISOString();
    // Two OS processes on the same file, each resetting three times at once, started together.
    const outputs = [0, 1].map(() => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', WORKER, core.database.filename, String(tokenId), boundary, now],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      children.push(child);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      return { child, out: () => out };
    });
    await until(() => outputs.every((o) => o.out().includes('ready')), 'both replicas ready', 30_000);
    for (const o of outputs) o.child.stdin?.write('go\n');
    await until(() => outputs.every((o) => o.out().includes('won')), 'both replicas done', 30_000);
    const won = outputs.map((o) => (JSON.parse(o.out().split('\n')[1] as string) as { won: number }).won);
    expect(won.reduce((a, b) => a + b, 0)).toBe(1);
    const windows = await listClosedBudgetWindows(core.db, tokenId);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ tokensUsed: 700, windowEnd: boundary });
    expect((await getSummary(core.db, tokenId))?.totalUsedTokens).toBe(0);
    expect(await findLedgerViolations(core.db)).toEqual([]);
  }, 60_000);
});
