import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { directCaller, gatewayCaller, type MimeType, portkeyCaller, sdkCaller } from './callers.ts';
import type { OverheadRow } from './chart.ts';
import { type CpuRow, cpuPerExtraction, cpuResolutionMs } from './cpu-per-extraction.ts';
import { monotonicUs, type ProfileSummary, summariseProfile } from './cpu-profile.ts';
import { type Gateway, gatewayRuntime, scrapeMetrics, startGateway } from './gateway.ts';
import { createPool } from './http-client.ts';
import { runInterleaved, runLoad } from './load.ts';
import { ensurePortkey, startProcess, startTs, stopAll } from './processes.ts';
import { type BenchResult, judgeTargets } from './report.ts';
import { pdfOfSize, pngOfSize } from './sample-files.ts';
import { scaleRows } from './scale.ts';
import { settings } from './settings.ts';
import { slowBurst } from './slow-provider.ts';
import { uploadMemory } from './upload-memory.ts';
import { writeResults } from './write-results.ts';

// `pnpm bench` (BENCH_QUICK=1 or --quick for a smoke run): every figure in README "Performance" comes from here.
const began = performance.now();
const loadBefore = loadavg()[0]!;
const PORTKEY_VERSION = '1.15.2';
const work = mkdtempSync(join(tmpdir(), 'igw-bench-'));
/** The tree measured: commit, and "-dirty" when it has uncommitted changes. */
function commitOf(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
const log = (line: string) => process.stderr.write(`${line}\n`);
// Warm-up and profiling calls that fail are shown, not fatal: the measured calls count their errors.
let warned = 0;
const noteError = (error: unknown) => {
  if (warned++ < 5) log(`a warm-up or profiled call failed: ${(error as Error).message}`);
};
const KB = 1024;
const MB = 1024 * 1024;

process.on('exit', () => {
  stopAll();
  rmSync(work, { recursive: true, force: true });
});
// Without these, Ctrl-C would skip 'exit' and leave the gateways, emulators and Portkey running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const emulatorReady = /EMULATOR (http:\/\/127\.0\.0\.1:\d+)/;
const fast = await startTs('./emulator-process.ts', {}, emulatorReady);
const slowEmulator = await startTs(
  './emulator-process.ts',
  { EMULATOR_LATENCY_MS: String(settings.slowDelayMs) },
  emulatorReady,
);
const EMULATOR = fast.match[1]!;
const SLOW_EMULATOR = slowEmulator.match[1]!;
log(`emulator at ${EMULATOR}; slow emulator (${settings.slowDelayMs} ms) at ${SLOW_EMULATOR}`);

const files = {
  pdf50: { name: 'PDF 50 KB', bytes: pdfOfSize(50 * KB), type: 'application/pdf' as MimeType },
  png50: { name: 'PNG 50 KB', bytes: pngOfSize(50 * KB), type: 'image/png' as MimeType },
  pdf500: { name: 'PDF 500 KB', bytes: pdfOfSize(500 * KB), type: 'application/pdf' as MimeType },
  pdf5m: { name: 'PDF 5 MB', bytes: pdfOfSize(5 * MB), type: 'application/pdf' as MimeType },
};
const pool = createPool(settings.slowConcurrent + 64);
const direct = directCaller(EMULATOR, pool);
const sdk = sdkCaller(EMULATOR);
let gatewayCount = 0;
const freshGateway = (emulator: string, env: Record<string, string> = {}, flags: string[] = []) =>
  startGateway(join(work, `gw-${++gatewayCount}`, 'ocr.sqlite'), emulator, env, flags);

async function startPortkey(): Promise<string | undefined> {
  if (!settings.portkey) return undefined;
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
      await (await fetch(url)).arrayBuffer();
      return url;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return undefined;
}

// 1. CPU per extraction, sequential, and 2. throughput against direct and Portkey: one gateway.
const portkey = await startPortkey();
const gateway = await freshGateway(EMULATOR);
log(
  `gateway at ${gateway.url} (${gatewayRuntime.runtime}: ${gatewayRuntime.why}); portkey ${portkey ?? 'not available'}`,
);
const cpu: CpuRow[] = [];
for (const f of [files.pdf50, files.png50, files.pdf500]) {
  const call = gatewayCaller(gateway, pool, f.bytes, f.type);
  for (let i = 0; i < settings.cpuWarmup; i++) await call().catch(noteError);
}
for (const f of [files.pdf50, files.png50, files.pdf500, files.pdf5m]) {
  const requests = settings.cpu[f.name.slice(4)] ?? 20;
  const row = await cpuPerExtraction(
    gateway,
    fast.child.pid!,
    f.name,
    gatewayCaller(gateway, pool, f.bytes, f.type),
    requests,
    Math.min(5, requests),
    settings.idleMs,
  );
  cpu.push(row);
  log(
    `CPU ${f.name}: gateway ${row.gatewayMs} ms, emulator ${row.emulatorMs} ms per extraction (${requests} requests)`,
  );
}

const overhead: OverheadRow[] = [];
for (const f of [files.pdf500, files.png50]) {
  for (const concurrency of [1, 4, 16]) {
    const r = await runInterleaved(
      {
        direct: direct(f.bytes, f.type),
        sdk: sdk(f.bytes, f.type),
        gateway: gatewayCaller(gateway, pool, f.bytes, f.type),
        ...(portkey ? { portkey: portkeyCaller(portkey, EMULATOR, pool, f.bytes, f.type) } : {}),
      } as Record<'direct' | 'sdk' | 'gateway' | 'portkey', () => Promise<void>>,
      concurrency,
      settings.count,
      settings.warmup,
      settings.rounds,
    );
    const { direct: d, gateway: g } = r;
    const p = r.portkey ?? null;
    overhead.push({ file: f.name, concurrency, direct: d, sdk: r.sdk, gateway: g, portkey: p });
    log(
      `${f.name} c=${concurrency}: direct ${d.throughput}/s p50 ${d.p50}; SDK ${r.sdk.throughput}/s; gateway ${g.throughput}/s p50 ${g.p50}${g.errors ? ` (${g.errors} errors)` : ''}; portkey ${p ? `${p.throughput}/s p50 ${p.p50}${p.errors ? ` (${p.errors} errors)` : ''}` : 'n/a'}`,
    );
  }
}
await gateway.stop();

// 3. Where the CPU goes: separate, profiled gateways (profiling slows them, so they are not timed above).
let profiles = 0;
async function profiled(
  emulator: string,
  calls: number,
  run: (gw: Gateway, mark: () => void) => Promise<void>,
): Promise<ProfileSummary | null> {
  const dir = join(work, `profile-${++profiles}`);
  mkdirSync(dir, { recursive: true });
  const gw = await freshGateway(emulator, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const marks: number[] = [];
  await run(gw, () => marks.push(monotonicUs()));
  marks.push(monotonicUs());
  await gw.stop();
  try {
    return summariseProfile(dir, marks[0]!, marks[marks.length - 1]!, calls);
  } catch (error) {
    log(`no profile: ${(error as Error).message}`);
    return null;
  }
}
const cpuProfile =
  settings.profile > 0
    ? await profiled(EMULATOR, settings.profile, async (gw, mark) => {
        const call = gatewayCaller(gw, pool, files.pdf500.bytes, files.pdf500.type);
        for (let i = 0; i < 10; i++) await call().catch(noteError);
        mark();
        for (let i = 0; i < settings.profile; i++) await call().catch(noteError);
      })
    : null;
if (cpuProfile) log(`profile: ${cpuProfile.sampledMsPerCall} ms sampled per 500 KB extraction`);

// 4. A slow provider: many small extractions held at once.
const loopDelay = (gw: Gateway) => async () => {
  const m = await scrapeMetrics(gw);
  const ms = (name: string) => Math.round((m.get(name) ?? Number.NaN) * 1000 * 10) / 10;
  return { p99Ms: ms('igw_event_loop_delay_p99_seconds'), maxMs: ms('igw_event_loop_delay_max_seconds') };
};
let slow: BenchResult['slow'] = null;
if (settings.slowConcurrent > 0) {
  const gw = await freshGateway(SLOW_EMULATOR);
  const call = gatewayCaller(gw, pool, files.pdf50.bytes, files.pdf50.type);
  // Warm: code paths loaded and a few sockets open, all at once so it costs one provider delay.
  await Promise.all(Array.from({ length: 16 }, () => call().catch(noteError)));
  slow = await slowBurst(gw.pid, settings.slowConcurrent, settings.slowDelayMs, call, loopDelay(gw));
  log(
    `slow provider, ${slow.concurrent} at once: ${slow.ok} ok, ${slow.errors} errors, RSS ${slow.baselineRssMb} → ${slow.peakRssMb} MB, loop delay p99 ${slow.loopDelayP99Ms} ms (max ${slow.loopDelayMaxMs}), p50 ${slow.p50} ms`,
  );
  await gw.stop();
}
// The same burst on a profiled gateway: what its event loop was busy with.
const slowProfile =
  slow && settings.slowProfile
    ? await profiled(SLOW_EMULATOR, settings.slowConcurrent, async (gw, mark) => {
        const call = gatewayCaller(gw, pool, files.pdf50.bytes, files.pdf50.type);
        await Promise.all(Array.from({ length: 16 }, () => call().catch(noteError)));
        mark();
        await Promise.all(
          Array.from({ length: settings.slowConcurrent }, () => call().catch(() => undefined)),
        );
      })
    : null;
if (slowProfile) log(`slow burst profile: ${slowProfile.sampledMsPerCall} ms sampled per extraction`);

// 5. Memory per in-flight upload: uploads held together by the slow provider.
const memory: BenchResult['memory'] = [];
for (const [size, bytes] of [
  ['5 MB', 5 * MB],
  ['20 MB', 20 * MB],
] as const) {
  const gw = await freshGateway(SLOW_EMULATOR);
  await gatewayCaller(gw, pool, files.pdf50.bytes, files.pdf50.type)().catch(noteError);
  const pdf = pdfOfSize(bytes);
  const row = await uploadMemory(
    gw.pid,
    size,
    bytes,
    settings.memoryInFlight,
    gatewayCaller(gw, pool, pdf, 'application/pdf'),
  );
  memory.push(row);
  log(
    `${size}: RSS ${row.baselineRssMb} → ${row.peakRssMb} MB with ${row.inFlight} in flight (${row.perUploadFactor}× per upload)`,
  );
  await gw.stop();
}

// 6. Scale: keys in the database.
const scale = await scaleRows(settings.scaleKeys, work, async (file) => {
  const gw = await startGateway(file, EMULATOR);
  const g = await runLoad(
    gatewayCaller(gw, pool, files.pdf500.bytes, files.pdf500.type),
    4,
    settings.scaleCount,
    settings.warmup,
  );
  const d = await runLoad(
    direct(files.pdf500.bytes, files.pdf500.type),
    4,
    settings.scaleCount,
    settings.warmup,
  );
  await gw.stop();
  log(`scale: gateway ${g.throughput}/s p50 ${g.p50} ms (direct ${d.throughput}/s)`);
  return { gateway: g, direct: d };
});

// 7. The report: results files, the chart, and the README's block, all from this run.
const partial: Omit<BenchResult, 'targets'> = {
  date: new Date().toISOString(),
  quick: settings.quick,
  minutes: Math.round((performance.now() - began) / 6000) / 10,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `Linux ${release()}`,
    commit: commitOf(),
    // Other work on the machine shows in throughput and latency (CPU time per request much less).
    loadAverage: { before: Math.round(loadBefore * 10) / 10, after: Math.round(loadavg()[0]! * 10) / 10 },
  },
  gateway: { ...gatewayRuntime },
  portkey: portkey ? `OSS ${PORTKEY_VERSION}` : null,
  count: settings.count,
  scaleCount: settings.scaleCount,
  warmup: settings.warmup,
  cpu,
  cpuResolutionMs: Object.fromEntries(cpu.map((c) => [c.file, cpuResolutionMs(c.requests)])),
  profile: cpuProfile,
  slowProfile,
  overhead,
  slow,
  memory,
  scale,
};
const result: BenchResult = { ...partial, targets: judgeTargets(partial) };
const name = settings.out;
const toReadme = writeResults(result, name, name === 'latest' && settings.readme, log);
log(`\n${result.targets.map((t) => `${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.figure}`).join('\n')}`);
log(
  `\nwrote bench/results/${name}.{md,json,svg}${toReadme ? ' and README.md' : ''} in ${result.minutes} min`,
);
process.exit(0);
