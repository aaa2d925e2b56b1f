import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { countOpenReservations, getSummary, listRetryAttempts, listUsageLogs } from '@invoicegw/db';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WaitCause } from '../src/extraction/dispatch-time.ts';
import { type ExtractionDeps, extractInvoice } from '../src/extraction/extract-invoice.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

const HOLDER = fileURLToPath(new URL('./fixtures/hold-write-lock.ts', import.meta.url));
const PDF = renderInvoicePdf(DEMO_INVOICE, { compress: true });
// Generous figures for a loaded CI machine: the lock outlasts the whole deadline, so how late
// the request starts after the lock is taken does not matter.
const TIMING = { deadlineMs: 4000, minDispatchMs: 2000 };
const LOCK_HOLD_MS = 5000;

let emulator: Emulator;
let core: TestCore;
let deps: ExtractionDeps;
let tokenId: number;
let seen: { waits: number[]; refused: WaitCause[] };
let n = 0;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  emulator.reset();
  core = await createTestCore();
  seen = { waits: [], refused: [] };
  deps = {
    ...extractionDeps(core, emulator, { cacheMaxEntries: 0, ...TIMING }),
    observer: {
      databaseWait: (ms) => seen.waits.push(ms),
      refusedBeforeDispatch: (cause) => seen.refused.push(cause),
    },
  };
  tokenId = (await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('dl-a') })).tokenId;
});
afterEach(async () => {
  await core.dispose();
});

const extract = (extra: Partial<Parameters<typeof extractInvoice>[1]> = {}) =>
  extractInvoice(deps, {
    requestId: `dl-${++n}`,
    companyId: 'NT047',
    file: { bytes: PDF, declaredType: 'application/pdf' },
    ...extra,
  });

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return e as {
      code: string;
      message: string;
      details: Record<string, unknown>;
      retryAfterSeconds?: number;
    };
  }
  throw new Error('expected a failure');
}

/** A second process takes the write lock; resolves once it holds it. */
function holdWriteLock(filename: string, ms: number) {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', HOLDER, filename, String(ms)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
  });
  return { locked, exited };
}

/** Nothing charged, nothing held, no usage row: the provider was never called. */
async function expectUntouched(requestId: string) {
  expect(emulator.requests()).toEqual([]);
  expect(await listUsageLogs(core.db, { requestId }, { limit: 5 })).toEqual([]);
  expect(await getSummary(core.db, tokenId)).toMatchObject({ totalUsedTokens: 0, reservedTokens: 0 });
  expect(await countOpenReservations(core.db)).toBe(0);
  await expectExactLedger(core, emulator);
}

describe('time is checked before money is spent', () => {
  it('a write lock held by another process eats the deadline in acquireKey: refused before dispatch, blaming the database, charging nothing', async () => {
    const holder = holdWriteLock(core.database.filename, LOCK_HOLD_MS);
    await holder.locked;
    const error = await failure(extract({ requestId: 'dl-locked' }));
    expect(error).toMatchObject({
      code: 'DEADLINE_BEFORE_DISPATCH',
      retryAfterSeconds: 5,
      details: { cause: 'database', minDispatchMs: 2000 },
    });
    expect(error.message).toMatch(/waiting on the database for a key/);
    expect(error.details.remainingMs).toBeLessThan(TIMING.minDispatchMs);
    expect(error.details.databaseMs).toBeGreaterThan(TIMING.deadlineMs - TIMING.minDispatchMs);
    await expectUntouched('dl-locked');
    // One attempt row, final, naming the cause rather than a provider timeout.
    const rows = await listRetryAttempts(core.db, { requestId: 'dl-locked' }, { limit: 5 });
    expect(rows.map((r) => [r.errorCode, r.httpStatus, r.isRetryable, r.isFinal])).toEqual([
      ['DEADLINE_BEFORE_DISPATCH', null, false, true],
    ]);
    // Reported: the wait as a measurement and a warning, the refusal by cause.
    expect(seen.refused).toEqual(['database']);
    expect(seen.waits).toHaveLength(1);
    expect(seen.waits[0]).toBeGreaterThan(TIMING.deadlineMs / 4);
    expect(core.records).toContainEqual(
      expect.objectContaining({
        level: 'WARNING',
        message: expect.stringMatching(/^Waited \d+ ms on the database for a key/),
      }),
    );
    expect(await holder.exited).toBe(0);
  });

  it('the deadline counts from arrival at the server: time spent before the core is blamed on intake', async () => {
    const error = await failure(extract({ requestId: 'dl-late', receivedAt: Date.now() - 3000 }));
    expect(error).toMatchObject({ code: 'DEADLINE_BEFORE_DISPATCH', details: { cause: 'intake' } });
    expect(error.details.intakeMs).toBeGreaterThanOrEqual(3000);
    expect(seen.refused).toEqual(['intake']);
    await expectUntouched('dl-late');
  });

  it('with enough time left the same request is called and charged as usual', async () => {
    const result = await extract({ receivedAt: Date.now() - 500 });
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    expect(emulator.requests()).toHaveLength(1);
    expect(seen.refused).toEqual([]);
    expect(seen.waits).toHaveLength(1);
    await expectExactLedger(core, emulator);
  });

  it('no retry starts with less than minDispatchMs left: the provider failure is answered instead', async () => {
    deps = { ...deps, ...extractionDeps(core, emulator, { ...TIMING, attemptTimeoutMs: 2500 }) };
    emulator.queueFaults([{ type: 'hang' }]);
    const error = await failure(extract());
    expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(emulator.requests()).toHaveLength(1);
    await expectExactLedger(core, emulator);
  });
});
