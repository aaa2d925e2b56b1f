import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMemoryLogger } from '@invoicegw/core';
import type { Emulator, KeyStats, RecordedRequest } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostileFile,
  hostileCorpus,
  respaced,
} from '../../../packages/core/test/fixtures/hostile-corpus.ts';
import { loadConfig } from '../src/env.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { ADMIN, fakeKey, uploadForm } from './helpers.ts';

// The corpus through the real server on loopback, against an emulator whose model
// would think 9,000 tokens if nothing stopped it. Each file is refused with the right code, or
// served and charged within the key's limit, the ledger equal to what the emulator billed,
// while GET / keeps answering and the process's memory stays bounded. The emulator runs in a
// child process, as Google does elsewhere: what GET / waits for is the gateway's own work.
const LIMIT = 60_000;
let server: RunningServer;
let emulator: RemoteEmulator;
let dir: string;
let corpus: HostileFile[];
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const EMULATOR_MAIN = fileURLToPath(
  new URL('../../../packages/gemini-emulator/src/main.ts', import.meta.url),
);

interface RemoteEmulator extends Pick<Emulator, 'url'> {
  stats(): Promise<{ byKeyHash: Record<string, KeyStats>; totalChargedTokens: number }>;
  requests(): Promise<RecordedRequest[]>;
  stop(): Promise<void>;
}

/** `pnpm emulator` in a child process, on a free port; its admin routes report what it billed. */
async function startRemoteEmulator(thoughtsTokens: number): Promise<RemoteEmulator> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', TSX, EMULATOR_MAIN],
    {
      env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_THOUGHTS_TOKENS: String(thoughtsTokens) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const get = async <T>(path: string) => (await (await fetch(`${url}${path}`)).json()) as T;
  return {
    url,
    stats: () => get('/_emulator/stats'),
    requests: () => get('/_emulator/requests'),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

beforeAll(async () => {
  corpus = await hostileCorpus();
  emulator = await startRemoteEmulator(9000);
  dir = mkdtempSync(join(tmpdir(), 'igw-hostile-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'ocr.sqlite')}`,
    DATA_DIR: dir,
    ADMIN_API_KEY: ADMIN,
    GEMINI_BASE_URL: emulator.url,
    GEMINI_INITIAL_DELAY_MS: '5',
    GEMINI_MAX_DELAY_MS: '50',
    // Generous under a loaded CI machine: an abandoned call would be billed but not charged.
    GEMINI_ATTEMPT_TIMEOUT_MS: '60000',
    SHUTDOWN_DEADLINE_SECONDS: '5',
    // So the hold, not the page limit, is what stops 1,000 pages.
    MAX_PDF_PAGES: '1000',
    CACHE_MAX_ENTRIES: '0',
    COMPANY_CONCURRENCY: '32',
  });
  server = await startServer(config, { console: createMemoryLogger() });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function addKey(companyId: string, limit: number): Promise<{ tokenId: number; keyHash: string }> {
  const apiKey = fakeKey(companyId.toLowerCase());
  const res = await fetch(`${server.url}/v1/tokens`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ companyId, apiKey, totalTokenLimit: limit }),
  });
  expect(res.status).toBe(200);
  const { tokenId } = (await res.json()) as { tokenId: number };
  return { tokenId, keyHash: createHash('sha256').update(apiKey).digest('hex') };
}

interface Outcome {
  file: HostileFile;
  status: number;
  body: { code?: string; message?: string };
  requestId: string;
}

async function upload(companyId: string, file: HostileFile): Promise<Outcome> {
  const res = await fetch(`${server.url}/v1/extract`, {
    method: 'POST',
    body: uploadForm({ companyId, username: 'hostile' }, { bytes: file.bytes, type: file.type, name: 'x' }),
  });
  return {
    file,
    status: res.status,
    body: (await res.json()) as Outcome['body'],
    requestId: res.headers.get('x-request-id') ?? '',
  };
}

/** Runs `work` while GET / is fetched in a loop and RSS sampled; returns both. */
async function underLoad<T>(work: () => Promise<T>) {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const latencies: number[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${server.url}/`);
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    return { result: await work(), latencies, rssGrowthMb: () => (peak - baseline) / 1024 / 1024 };
  } finally {
    running = false;
    await probe;
    clearInterval(sampler);
  }
}

/** At most `width` uploads at a time, in order. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(run))));
  return out;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** The ledger charged exactly what the emulator billed, per key and per request, and holds nothing. */
async function expectLedgerMatchesEmulator(key: { tokenId: number; keyHash: string }, outcomes: Outcome[]) {
  const db = server.deps.core.db.db;
  const summary = await db
    .selectFrom('TokenUsageSummary')
    .select(['TotalUsedTokens', 'ReservedTokens'])
    .where('TokenID', '=', key.tokenId)
    .executeTakeFirst();
  const billed = (await emulator.stats()).byKeyHash[key.keyHash]?.chargedTokens ?? 0;
  expect(Number(summary?.TotalUsedTokens ?? 0)).toBe(billed);
  expect(Number(summary?.ReservedTokens ?? 0)).toBe(0);
  const requests = await emulator.requests();
  for (const o of outcomes) {
    const rows = await db
      .selectFrom('TokenUsageLogs')
      .select(['TotalTokensUsed', 'ThoughtsTokens'])
      .where('RequestID', '=', o.requestId)
      .execute();
    const charged = rows.reduce((s, r) => s + Number(r.TotalTokensUsed), 0);
    const emulated = requests
      .filter((r) => r.requestId === o.requestId)
      .reduce((s, r) => s + r.chargedTokens, 0);
    expect({ file: o.file.name, charged }).toEqual({ file: o.file.name, charged: emulated });
    // The budget is always sent (0 by default) and the emulator's 9,000 thoughts stay out.
    for (const r of rows) expect(Number(r.ThoughtsTokens)).toBe(0);
  }
  for (const r of requests.filter((r) => r.keyHash === key.keyHash)) expect(r.thinkingBudget).toBe(0);
  return { used: Number(summary?.TotalUsedTokens ?? 0), billed };
}

async function expectNoOverrunWarning() {
  await server.deps.logSink.flush();
  const overruns = await server.deps.core.db.db
    .selectFrom('ApplicationLogs')
    .select('Message')
    .where('Message', 'like', '%more than the % reserved%')
    .execute();
  expect(overruns).toEqual([]);
}

function expectResponsive(load: { latencies: number[]; rssGrowthMb: () => number }) {
  const p95 = percentile(load.latencies, 95);
  console.info(
    `GET / during hostile uploads: n=${load.latencies.length} median ${percentile(load.latencies, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...load.latencies).toFixed(1)} ms; RSS growth ${load.rssGrowthMb().toFixed(0)} MB`,
  );
  expect(load.latencies.length).toBeGreaterThan(0);
  // The 200 ms, on the 95th percentile: a shared CI machine can stall any single fetch.
  expect(p95).toBeLessThan(200);
  expect(load.rssGrowthMb()).toBeLessThan(300);
}

describe('hostile uploads through the real server', () => {
  it('refuses each hostile file with the right code, or serves it within the 60,000-token limit', async () => {
    const key = await addKey('HOSTILE', LIMIT);
    const load = await underLoad(() => inBatches(corpus, 4, (file) => upload('HOSTILE', file)));
    for (const o of load.result) {
      const expected = o.file.refused
        ? { status: 422, code: 'INVALID_FILE' }
        : o.file.pages && o.file.pages > 50
          ? // Counted at its true pages, the hold (2,000 + 1,000 × 560 + 8,192) is over the limit.
            { status: 402, code: 'TOKEN_LIMIT_EXCEEDED' }
          : { status: 200, code: undefined };
      expect({ file: o.file.name, status: o.status, code: o.body.code }).toEqual({
        file: o.file.name,
        ...expected,
      });
      if (o.file.refused) expect(o.body.message).toMatch(o.file.refused);
    }
    const { used } = await expectLedgerMatchesEmulator(
      key,
      load.result.filter((o) => o.status === 200),
    );
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(LIMIT);
    await expectNoOverrunWarning();
    expectResponsive(load);
  }, 180_000);

  it('serves the 1,000-page tricks on a key that can afford them, each hold covering what was billed', async () => {
    const key = await addKey('HOSTILE-BIG', 8_000_000);
    const tricks = corpus.filter((f) => f.pages && f.pages > 50);
    const load = await underLoad(() => inBatches(tricks, 2, (file) => upload('HOSTILE-BIG', file)));
    for (const o of load.result)
      expect({ file: o.file.name, status: o.status }).toEqual({ file: o.file.name, status: 200 });
    // Billed as 1,000 pages each (258 per page at the emulator), charged the same, never over a hold.
    const requests = await emulator.requests();
    for (const o of load.result) {
      const billed =
        requests.find((r) => r.requestId === o.requestId && r.status === 200)?.chargedTokens ?? 0;
      expect(billed).toBeGreaterThanOrEqual(1000 * 258);
    }
    const { used } = await expectLedgerMatchesEmulator(key, load.result);
    expect(used).toBeLessThanOrEqual(8_000_000);
    await expectNoOverrunWarning();
    expectResponsive(load);
  }, 180_000);

  it('8 concurrent 1,000-page uploads against a 60,000-token key: nothing charged past the limit, no 5xx', async () => {
    const thousand: HostileFile = {
      name: '1,000 pages, form feeds',
      bytes: await respaced(1000, '\f'),
      type: 'application/pdf',
      pages: 1000,
    };
    const eighty: HostileFile = {
      name: '80 pages, form feeds',
      bytes: await respaced(80, '\f'),
      type: 'application/pdf',
      pages: 80,
    };
    const big = await addKey('EIGHT', LIMIT);
    const small = await addKey('EIGHTY', LIMIT);
    const load = await underLoad(async () => ({
      thousand: await Promise.all(Array.from({ length: 8 }, () => upload('EIGHT', thousand))),
      // 80 pages hold 2,000 + 44,800 + 8,192 = 54,992: one fits at a time, the rest wait or run out.
      eighty: await Promise.all(Array.from({ length: 8 }, () => upload('EIGHTY', eighty))),
    }));
    expect(load.result.thousand.map((o) => o.status)).toEqual(Array(8).fill(402));
    const statuses = load.result.eighty.map((o) => o.status);
    expect(statuses.every((s) => [200, 402, 429].includes(s))).toBe(true);
    expect(statuses).toContain(200);
    const none = await expectLedgerMatchesEmulator(big, load.result.thousand);
    expect(none.used).toBe(0);
    const some = await expectLedgerMatchesEmulator(
      small,
      load.result.eighty.filter((o) => o.status === 200),
    );
    expect(some.used).toBeGreaterThan(0);
    expect(some.used).toBeLessThanOrEqual(LIMIT);
    await expectNoOverrunWarning();
    expectResponsive(load);
  }, 180_000);
});
