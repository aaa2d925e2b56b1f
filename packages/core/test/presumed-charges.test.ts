import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  countOpenReservations,
  findLedgerViolations,
  getSummary,
  getToken,
  listUsageLogs,
} from '@invoicegw/db';
import { openTestSqlite, type TestDatabase } from '@invoicegw/db/testing';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ExtractionDeps, extractInvoice } from '../src/extraction/extract-invoice.ts';
import { createExtractionRuntime } from '../src/extraction/extraction-runtime.ts';
import { createGeminiModel } from '../src/extraction/gemini-provider.ts';
import { estimateTokens, ledgerOptions } from '../src/ledger/ledger-options.ts';
import type { LedgerObserver } from '../src/ledger/settle-lease.ts';
import { sweepLedger } from '../src/ledger/sweeper.ts';
import { createMemoryLogger } from '../src/logging/logger.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { createKeyVault } from '../src/vault/key-vault.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

// A call the gateway stops waiting for is still billed by the provider once it answers (the
// emulator does as Google does), and a process can die between the answer and the settle. Both
// are charged at the hold, as presumed usage: recorded ≥ billed, always.

type Presumed = Parameters<NonNullable<LedgerObserver['presumedCharge']>>[0];

const WORKER = fileURLToPath(new URL('./fixtures/ledger-worker.ts', import.meta.url));
const NEED = estimateTokens(ledgerOptions(), { kind: 'pdf', pages: 1 });
const PDF = renderInvoicePdf(DEMO_INVOICE, { compress: true });
const children: ChildProcess[] = [];
const opened: Array<{ dispose(): Promise<void> }> = [];

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of opened.splice(0)) await d.dispose();
});

/** Polls until `check` holds (an answer the emulator bills after the gateway gave up on it). */
async function eventually(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a process killed after dispatching, before settling', () => {
  it('its dispatched holds are charged in full as presumed usage by the sweeper; a hold never dispatched is released', async () => {
    const master = randomBytes(32);
    const db: TestDatabase & { filename: string } = await openTestSqlite();
    opened.push(db);
    const seen: Presumed[] = [];
    const core = {
      db,
      vault: createKeyVault({ current: master, previous: [] }),
      logger: createMemoryLogger(),
      // The sweeper runs after the dead process's holds expired.
      now: () => new Date(Date.now() + 120_000),
      ledger: ledgerOptions({ instanceId: 'sweeper' }),
      observer: { presumedCharge: (c: Presumed) => seen.push(c) },
    };
    const { tokenId } = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('presumed-crash'),
      totalTokenLimit: 10 * NEED,
    });
    // crash-0 and crash-2 are marked dispatched, crash-1 is not; then the process is killed.
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        WORKER,
        db.filename,
        'NT047',
        'crash-dispatched',
        '3',
        String(NEED),
        '60000',
      ],
      { env: { ...process.env, TEST_MASTER_KEY: master.toString('hex') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let out = '';
    const holding = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not hold:\n${out}`)), 30_000);
      const onData = (d: Buffer) => {
        out += d;
        if (out.includes('holding')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    const exited = new Promise<string | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await holding;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await countOpenReservations(db)).toBe(3);

    const swept = await sweepLedger(core);
    expect(swept).toMatchObject({ presumed: 2, presumedTokens: 2 * NEED, released: 1, releasedTokens: NEED });
    const rows = await listUsageLogs(db, { tokenId }, { limit: 10 });
    expect(rows.map((r) => [r.requestId, r.outcome, r.totalTokensUsed, r.presumedTokens]).sort()).toEqual([
      ['crash-0', 'presumed', NEED, NEED],
      ['crash-2', 'presumed', NEED, NEED],
    ]);
    expect(await getSummary(db, tokenId)).toMatchObject({
      totalUsedTokens: 2 * NEED,
      reservedTokens: 0,
      requestCount: 2,
    });
    expect(seen).toEqual([
      { companyId: 'NT047', tokens: NEED, source: 'sweep' },
      { companyId: 'NT047', tokens: NEED, source: 'sweep' },
    ]);
    expect(await countOpenReservations(db)).toBe(0);
    expect(await findLedgerViolations(db)).toEqual([]);
    // Swept once: a second sweep finds nothing to charge again.
    expect(await sweepLedger(core)).toMatchObject({ presumed: 0, released: 0 });
  }, 60_000);
});

describe('an attempt aborted after dispatch', () => {
  let emulator: Emulator;
  let core: TestCore;
  let n = 0;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  async function setUp(options: Parameters<typeof extractionDeps>[2], limit?: number) {
    emulator.reset();
    core = await createTestCore();
    opened.push(core);
    const seen: Presumed[] = [];
    const deps: ExtractionDeps = {
      ...extractionDeps(core, emulator, { cacheMaxEntries: 0, ...options }),
      observer: {
        databaseWait: () => undefined,
        refusedBeforeDispatch: () => undefined,
        presumedCharge: (c) => seen.push(c),
      },
    };
    const keys = [
      (await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('pc-a'), totalTokenLimit: limit }))
        .tokenId,
    ];
    return { deps, seen, keys };
  }
  const extract = (deps: ExtractionDeps, requestId = `pc-${++n}`) =>
    extractInvoice(deps, {
      requestId,
      companyId: 'NT047',
      username: 'tester',
      branch: 'TEST',
      file: { bytes: PDF, declaredType: 'application/pdf' },
    });
  const billedTo = (requestId: string) =>
    emulator
      .requests()
      .filter((r) => r.requestId === requestId)
      .reduce((s, r) => s + r.chargedTokens, 0);
  const recordedFor = async (requestId: string) =>
    (await listUsageLogs(core.db, { requestId }, { limit: 10 })).reduce((s, r) => s + r.totalTokensUsed, 0);

  it('an attempt timeout shorter than the answer: the billed answer is covered by a presumed row at the hold, and the retry takes a new hold on the same key', async () => {
    const { deps, seen } = await setUp({ attemptTimeoutMs: 300 });
    await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('pc-b') });
    emulator.queueFaults([{ type: 'slow', delayMs: 900 }]);
    const result = await extract(deps, 'slow-1');
    expect(result.attempts.map((a) => a.errorCode ?? a.outcome)).toEqual(['TIMEOUT', 'success']);
    expect(new Set(result.attempts.map((a) => a.keyHint)).size).toBe(1);
    // The provider finishes the abandoned call and bills it, after the gateway gave up on it.
    await eventually(() => emulator.requests().some((r) => r.status === 499), 'the abandoned answer');
    const [abandoned] = emulator.requests().filter((r) => r.status === 499);
    expect(abandoned!.chargedTokens).toBeGreaterThan(0);

    const hold = estimateTokens(deps.ledger, { kind: 'pdf', pages: result.file.pages });
    const rows = await listUsageLogs(core.db, { requestId: 'slow-1' }, { limit: 10 });
    expect(rows.map((r) => [r.outcome, r.presumedTokens]).sort()).toEqual([
      ['presumed', hold],
      ['success', 0],
    ]);
    const presumed = rows.find((r) => r.outcome === 'presumed')!;
    expect(presumed).toMatchObject({ totalTokensUsed: hold, branch: 'TEST', requestedBy: 'tester' });
    expect(presumed.latencyMs).toBeGreaterThanOrEqual(250);
    expect(rows.every((r) => r.tokenId === rows[0]!.tokenId)).toBe(true);
    expect(await recordedFor('slow-1')).toBeGreaterThanOrEqual(billedTo('slow-1'));
    expect(seen).toEqual([{ companyId: 'NT047', tokens: hold, source: 'attempt' }]);
    await expectExactLedger(core, emulator);
  });

  it('a timeout on the last attempt: PROVIDER_TIMEOUT, the hold charged as presumed, nothing left held; a key it spends goes Exceeded', async () => {
    const hold = NEED;
    // Room for this one hold and not for another request.
    const { deps, keys } = await setUp({ attemptTimeoutMs: 300, maxRetries: 0 }, hold + 100);
    emulator.queueFaults([{ type: 'slow', delayMs: 900 }]);
    await expect(extract(deps, 'slow-last')).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    await eventually(() => emulator.requests().some((r) => r.status === 499), 'the abandoned answer');
    expect(await listUsageLogs(core.db, { requestId: 'slow-last' }, { limit: 10 })).toEqual([
      expect.objectContaining({ outcome: 'presumed', totalTokensUsed: hold, presumedTokens: hold }),
    ]);
    expect(await recordedFor('slow-last')).toBeGreaterThanOrEqual(billedTo('slow-last'));
    expect((await getToken(core.db, keys[0]!))?.status).toBe('Exceeded');
    await expectExactLedger(core, emulator);
  });

  it('a refused connection never reached the provider: the hold is released, no usage row', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const { deps, seen, keys } = await setUp({ maxRetries: 0 });
    const model = createGeminiModel({
      model: 'gemini-2.5-flash',
      baseUrl: `http://127.0.0.1:${port}`,
      maxOutputTokens: 8192,
      thinkingBudget: 0,
    });
    const refused = { ...deps, runtime: createExtractionRuntime(model, deps.runtime.options) };
    await expect(extract(refused, 'refused')).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(await listUsageLogs(core.db, { requestId: 'refused' }, { limit: 10 })).toEqual([]);
    expect(await getSummary(core.db, keys[0]!)).toMatchObject({ totalUsedTokens: 0, reservedTokens: 0 });
    expect(seen).toEqual([]);
    expect(await countOpenReservations(core.db)).toBe(0);
  });
});
