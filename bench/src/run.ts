import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGeminiModel, createKeyVault, type ValidatedFile } from '@invoicegw/core';
import { insertToken, migrate, openDatabase } from '@invoicegw/db';
import { sql } from 'kysely';
import { type LoadResult, runLoad } from './load.ts';
import { ensurePortkey, memoryOf, startProcess, startTs, stopAll } from './processes.ts';
import { pdfOfSize, pngOfSize } from './sample-files.ts';

// `pnpm bench` (or `pnpm bench --quick`): every figure in README "Performance" comes from here.
const QUICK = process.argv.includes('--quick');
const COUNT = QUICK ? 60 : 200;
const KEY = 'AIzaBENCH-not-a-real-key-000';
const MASTER = randomBytes(32).toString('hex');
const ADMIN = 'bench-admin-key';
const OUT = fileURLToPath(new URL('../results/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'igw-bench-'));
const log = (line: string) => process.stderr.write(`${line}\n`);

process.on('exit', () => {
  stopAll();
  rmSync(work, { recursive: true, force: true });
});

const emulatorProcess = await startTs('./emulator-process.ts', {}, /EMULATOR (http:\/\/127\.0\.0\.1:\d+)/);
const EMULATOR = emulatorProcess.match[1]!;
log(`emulator at ${EMULATOR}`);

function fileOf(bytes: Buffer, mimeType: 'application/pdf' | 'image/png'): ValidatedFile {
  return {
    bytes,
    mimeType,
    kind: mimeType === 'application/pdf' ? 'pdf' : 'image',
    pages: 1,
    sizeBytes: bytes.length,
    sha256: '',
    fileName: undefined,
  };
}

const direct = createGeminiModel({
  model: 'gemini-2.5-flash',
  baseUrl: EMULATOR,
  maxOutputTokens: 8192,
  thinkingBudget: undefined,
});
const directCall = (file: ValidatedFile) => async () => {
  await direct.generate({ apiKey: KEY, file, signal: AbortSignal.timeout(120_000) });
};

interface Gateway {
  url: string;
  pid: number;
  stop(): void;
}

async function startGateway(database: string, extraEnv: Record<string, string> = {}): Promise<Gateway> {
  const { child, match } = await startTs(
    '../../apps/server/src/main.ts',
    {
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: `sqlite:${database}`,
      DATA_DIR: dirname(database),
      ADMIN_API_KEY: ADMIN,
      TOKEN_ENCRYPTION_KEY: MASTER,
      GEMINI_BASE_URL: EMULATOR,
      CACHE_MAX_ENTRIES: '0',
      COMPANY_CONCURRENCY: '1000',
      MAX_UPLOAD_MB: '25',
      ...extraEnv,
    },
    /running on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const url = match[1]!;
  const res = await fetch(`${url}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: 'BENCH', apiKey: KEY, totalTokenLimit: 2_000_000_000 }),
  });
  if (res.status !== 200 && res.status !== 409)
    throw new Error(`could not add the bench key: ${res.status} ${await res.text()}`);
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

const gatewayCall = (gw: Gateway, bytes: Buffer, type: string) => async () => {
  const form = new FormData();
  form.set('file', new Blob([bytes], { type }), 'invoice');
  form.set('companyID', 'BENCH');
  form.set('username', 'bench');
  const res = await fetch(`${gw.url}/extract`, { method: 'POST', body: form });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
};

async function startPortkey(): Promise<string | undefined> {
  const entry = ensurePortkey();
  if (!entry) return undefined;
  const port = 18_787 + Math.floor(Math.random() * 1000);
  // Portkey listens on every interface (it has no host flag); only 127.0.0.1 is ever sent traffic.
  await startProcess(
    [entry, `--port=${port}`, '--headless'],
    {},
    /running|listening|localhost|started/i,
    dirname(entry),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(url);
      return url;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return undefined;
}

const portkeyCall = (url: string, bytes: Buffer, type: string) => {
  const body = JSON.stringify({
    model: 'gemini-2.5-flash',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Extract the invoice.' },
          { type: 'image_url', image_url: { url: `data:${type};base64,${bytes.toString('base64')}` } },
        ],
      },
    ],
    response_format: { type: 'json_object' },
    temperature: 0,
  });
  return async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-portkey-provider': 'google',
        authorization: `Bearer ${KEY}`,
        'x-portkey-custom-host': EMULATOR,
      },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  };
};

// 1. Overhead against direct calls (and Portkey), same run, same machine.
const files = [
  { name: 'PDF 500 KB', bytes: pdfOfSize(500 * 1024), type: 'application/pdf' as const },
  { name: 'PNG 50 KB', bytes: pngOfSize(50 * 1024), type: 'image/png' as const },
];
const gateway = await startGateway(join(work, 'overhead', 'ocr.sqlite'));
const portkey = await startPortkey();
log(`gateway at ${gateway.url}; portkey ${portkey ?? 'not available'}`);
const overhead: Array<{
  file: string;
  concurrency: number;
  direct: LoadResult;
  gateway: LoadResult;
  portkey: LoadResult | null;
}> = [];
for (const f of files) {
  for (const concurrency of [1, 4, 16]) {
    const d = await runLoad(directCall(fileOf(f.bytes, f.type)), concurrency, COUNT);
    const g = await runLoad(gatewayCall(gateway, f.bytes, f.type), concurrency, COUNT);
    const p = portkey ? await runLoad(portkeyCall(portkey, f.bytes, f.type), concurrency, COUNT) : null;
    overhead.push({ file: f.name, concurrency, direct: d, gateway: g, portkey: p });
    log(
      `${f.name} c=${concurrency}: direct p50 ${d.p50} ms ${d.throughput}/s; gateway p50 ${g.p50} ms ${g.throughput}/s; portkey ${p ? `p50 ${p.p50} ms ${p.throughput}/s` : 'n/a'}`,
    );
  }
}
gateway.stop();

// 2. Scale: overhead with 10, 1,000 and 10,000 keys in the database.
const scale: Array<{ keys: number; gateway: LoadResult; direct: LoadResult }> = [];
for (const keys of [10, 1000, 10_000]) {
  const file = join(work, `scale-${keys}`, 'ocr.sqlite');
  mkdirSync(dirname(file), { recursive: true });
  const db = await openDatabase({ kind: 'sqlite', filename: file });
  await migrate(db);
  const vault = createKeyVault({ current: Buffer.from(MASTER, 'hex'), previous: [] });
  await db.db.transaction().execute(async (trx) => {
    for (let i = 0; i < keys - 1; i++) {
      const k = `AIzaSCALE-${i}-xxxxxxxxxxxx`;
      await insertToken(
        { ...db, db: trx },
        {
          CompanyID: `C${i % 1000}`,
          ApiKey: vault.seal(k),
          KeyHint: vault.hint(k),
          KeyHash: vault.hash(k),
          TotalTokenLimit: 1_000_000,
        },
      );
    }
    await sql`INSERT INTO TokenUsageSummary (TokenID, TotalUsedTokens, TotalRemainingTokens, ReservedTokens, Threshold, RequestCount, LastUpdated)
      SELECT TokenID, 0, TotalTokenLimit, 0, 3000, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM TokenMaster
      WHERE TokenID NOT IN (SELECT TokenID FROM TokenUsageSummary)`.execute(trx);
  });
  await db.close();
  const gw = await startGateway(file);
  const pdf = files[0]!;
  const g = await runLoad(gatewayCall(gw, pdf.bytes, pdf.type), 4, COUNT);
  const d = await runLoad(directCall(fileOf(pdf.bytes, pdf.type)), 4, COUNT);
  scale.push({ keys, gateway: g, direct: d });
  log(`${keys} keys: gateway p50 ${g.p50} ms ${g.throughput}/s (direct ${d.p50} ms)`);
  gw.stop();
}

// 3. File sizes: time, and the server's peak memory per upload in flight.
const sizes: Array<{
  size: string;
  bytes: number;
  directP50: number;
  gatewayP50: number;
  baselineMb: number;
  peakMb: number;
  perUploadFactor: number;
}> = [];
for (const [label, bytes] of [
  ['50 KB', 50 * 1024],
  ['500 KB', 500 * 1024],
  ['5 MB', 5 * 1024 * 1024],
  ['20 MB', 20 * 1024 * 1024],
] as const) {
  const pdf = pdfOfSize(bytes);
  const gw = await startGateway(join(work, `size-${bytes}`, 'ocr.sqlite'));
  await gatewayCall(gw, pdfOfSize(50 * 1024), 'application/pdf')();
  const baselineMb = memoryOf(gw.pid).rssMb;
  const n = QUICK ? 4 : 8;
  const g = await runLoad(gatewayCall(gw, pdf, 'application/pdf'), 1, n, 1);
  const d = await runLoad(directCall(fileOf(pdf, 'application/pdf')), 1, n, 1);
  await runLoad(gatewayCall(gw, pdf, 'application/pdf'), 4, 8, 0);
  const peakMb = memoryOf(gw.pid).peakMb;
  const perUploadFactor = Math.round(((peakMb - baselineMb) / (4 * (bytes / 1024 / 1024))) * 100) / 100;
  sizes.push({
    size: label,
    bytes,
    directP50: d.p50,
    gatewayP50: g.p50,
    baselineMb,
    peakMb,
    perUploadFactor,
  });
  log(
    `${label}: direct p50 ${d.p50} ms, gateway p50 ${g.p50} ms, RSS ${baselineMb} → peak ${peakMb} MB (×${perUploadFactor} per upload in flight)`,
  );
  gw.stop();
}

// 4. The report.
const target = overhead.find((o) => o.file === 'PDF 500 KB' && o.concurrency === 4)!;
const ratio = (a: LoadResult, b: LoadResult) => Math.round((a.throughput / b.throughput) * 100) / 100;
const result = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
  },
  count: COUNT,
  overhead,
  scale,
  sizes,
  targets: {
    throughputRatioAtC4Pdf500: ratio(target.gateway, target.direct),
    addedP50MsAtC4Pdf500: Math.round((target.gateway.p50 - target.direct.p50) * 100) / 100,
    worstPerUploadFactor: Math.max(
      ...sizes.filter((s) => s.bytes >= 5 * 1024 * 1024).map((s) => s.perUploadFactor),
    ),
  },
};
const row = (o: (typeof overhead)[number]) =>
  `| ${o.file} | ${o.concurrency} | ${o.direct.p50} / ${o.direct.p95} / ${o.direct.p99} | ${o.direct.throughput} | ${o.gateway.p50} / ${o.gateway.p95} / ${o.gateway.p99} | ${o.gateway.throughput} | ${ratio(o.gateway, o.direct)} | ${
    o.portkey
      ? `${o.portkey.p50} / ${o.portkey.p95} / ${o.portkey.p99} | ${o.portkey.throughput} | ${ratio(o.portkey, o.direct)}`
      : 'n/a | n/a | n/a'
  } |`;
const md = `# Benchmark results

${result.date}, ${result.machine.cpus} cores (${result.machine.model}), ${result.machine.memoryGb} GB, Node ${result.machine.node}; ${COUNT} requests per cell after 20 warm-up; everything on 127.0.0.1, the load generator, the emulator, the gateway and Portkey sharing the same cores. Latency in ms (p50 / p95 / p99), throughput in requests/s; "×" is throughput as a share of direct calls in the same run.

## Overhead: direct SDK calls vs the gateway (full path: upload, validation, ledger, logs on SQLite) vs Portkey OSS 1.15.2

| file | concurrency | direct | direct /s | gateway | gateway /s | × | Portkey | Portkey /s | × |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${overhead.map(row).join('\n')}

Targets (500 KB PDF, concurrency 4): throughput ${result.targets.throughputRatioAtC4Pdf500} of direct (target ≥ 0.7); p50 added ${result.targets.addedP50MsAtC4Pdf500} ms (target ≤ 3 ms).

## Scale: keys in the database (500 KB PDF, concurrency 4)

| keys | gateway p50 / p95 / p99 | gateway /s | direct p50 | direct /s |
| --- | --- | --- | --- | --- |
${scale.map((s) => `| ${s.keys} | ${s.gateway.p50} / ${s.gateway.p95} / ${s.gateway.p99} | ${s.gateway.throughput} | ${s.direct.p50} | ${s.direct.throughput} |`).join('\n')}

## File size: time and memory

| size | direct p50 | gateway p50 | server RSS before | server peak RSS (4 uploads in flight) | MB per MB in flight |
| --- | --- | --- | --- | --- | --- |
${sizes.map((s) => `| ${s.size} | ${s.directP50} | ${s.gatewayP50} | ${s.baselineMb} | ${s.peakMb} | ${s.perUploadFactor} |`).join('\n')}

Target: memory per in-flight upload at most 3× its size; measured worst (5 MB and up): ${result.targets.worstPerUploadFactor}×.
`;
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(OUT, 'latest.md'), md);
log(`\nwrote bench/results/latest.md and latest.json`);
process.exit(0);
