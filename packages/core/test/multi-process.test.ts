import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { countOpenReservations, findLedgerViolations, getSummary, openDatabase } from '@invoicegw/db';
import { openTestSqlite, type TestDatabase } from '@invoicegw/db/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { estimateTokens, ledgerOptions } from '../src/ledger/ledger-options.ts';
import { startLedgerSweeper } from '../src/ledger/sweeper.ts';
import { createMemoryLogger } from '../src/logging/logger.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { createKeyVault } from '../src/vault/key-vault.ts';
import { fakeKey, OPS } from './helpers.ts';

const WORKER = fileURLToPath(new URL('./fixtures/ledger-worker.ts', import.meta.url));
const NEED = estimateTokens(ledgerOptions(), { kind: 'pdf', pages: 1 });
const master = randomBytes(32);
const opened: TestDatabase[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of opened.splice(0)) await d.dispose();
});

function coreFor(db: TestDatabase) {
  return {
    db,
    vault: createKeyVault({ current: master, previous: [] }),
    logger: createMemoryLogger(),
    now: () => new Date(),
    ledger: ledgerOptions(),
  };
}

/** A company whose two keys allow exactly `capacity` requests of NEED tokens. */
async function setUp(capacity: number) {
  const db = await openTestSqlite();
  opened.push(db);
  const core = coreFor(db);
  const a = await addToken(core, OPS, {
    companyId: 'NT047',
    apiKey: fakeKey('mp-a'),
    totalTokenLimit: Math.ceil(capacity * 0.6) * NEED,
  });
  const b = await addToken(core, OPS, {
    companyId: 'NT047',
    apiKey: fakeKey('mp-b'),
    totalTokenLimit: Math.floor(capacity * 0.4) * NEED,
  });
  return { db, core, keys: [a.tokenId, b.tokenId] };
}

function worker(filename: string, mode: 'run' | 'crash', cycles: number, ttlMs: number) {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      WORKER,
      filename,
      'NT047',
      mode,
      String(cycles),
      String(NEED),
      String(ttlMs),
    ],
    {
      env: { ...process.env, TEST_MASTER_KEY: master.toString('hex') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  const holding = new Promise<void>((resolve) => {
    child.stdout.on('data', () => {
      if (out.includes('holding')) resolve();
    });
  });
  return { child, done, holding };
}

function summaryOf(run: { code: number | null; out: string }) {
  expect(run.code, run.out).toBe(0);
  return JSON.parse(run.out.trim().split('\n').at(-1)!) as {
    successes: number;
    busy: number;
    attempts: number;
    stoppedBy: string;
  };
}

describe('the ledger across real processes sharing one SQLite file', () => {
  it('four processes, 240 overlapping cycles, keys worth exactly 200 requests: exactly 200 succeed and every invariant holds', async () => {
    const { db, keys } = await setUp(200);
    const runs = await Promise.all([0, 1, 2, 3].map(() => worker(db.filename, 'run', 60, 60_000).done));
    const summaries = runs.map(summaryOf);
    expect(summaries.reduce((s, r) => s + r.successes, 0)).toBe(200);
    // All four took part, and the keys ran dry before the cycles did: some request was refused.
    expect(summaries.every((r) => r.successes > 0)).toBe(true);
    expect(summaries.some((r) => r.stoppedBy === 'TOKEN_LIMIT_EXCEEDED')).toBe(true);
    expect(await findLedgerViolations(db)).toEqual([]);
    expect(await countOpenReservations(db)).toBe(0);
    for (const id of keys) {
      const s = await getSummary(db, id);
      expect(s?.totalRemainingTokens).toBe(0);
    }
  }, 120_000);

  it('a process killed (SIGKILL) while holding quota leaks nothing once the sweeper runs', async () => {
    const { db, core } = await setUp(100);
    const crasher = worker(db.filename, 'crash', 5, 1500);
    await crasher.holding;
    crasher.child.kill('SIGKILL');
    expect((await crasher.done).signal).toBe('SIGKILL');
    expect(await countOpenReservations(db)).toBe(5);

    // The survivors run while a sweeper (in this process, on its own connection) frees the dead holds.
    const sweeperDb = await openDatabase({ kind: 'sqlite', filename: db.filename });
    const sweeper = startLedgerSweeper({ ...core, db: sweeperDb }, 250);
    try {
      const runs = await Promise.all([0, 1, 2].map(() => worker(db.filename, 'run', 80, 60_000).done));
      const summaries = runs.map(summaryOf);
      await sweeper.stop();
      expect(summaries.reduce((s, r) => s + r.successes, 0)).toBe(100);
    } finally {
      await sweeper.stop();
      await sweeperDb.close();
    }
    expect(await countOpenReservations(db)).toBe(0);
    expect(await findLedgerViolations(db)).toEqual([]);
  }, 120_000);
});
