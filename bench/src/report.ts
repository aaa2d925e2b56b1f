import type { OverheadRow } from './chart.ts';
import type { CpuRow } from './cpu-per-extraction.ts';
import type { ProfileSummary } from './cpu-profile.ts';
import type { LoadResult } from './load.ts';
import type { SlowResult } from './slow-provider.ts';
import type { UploadMemoryRow } from './upload-memory.ts';

export interface BenchResult {
  date: string;
  quick: boolean;
  minutes: number;
  machine: {
    cpus: number;
    model: string | undefined;
    memoryGb: number;
    node: string;
    os: string;
    commit: string;
    loadAverage: { before: number; after: number };
  };
  gateway: { runtime: string; why: string };
  portkey: string | null;
  count: number;
  scaleCount: number;
  warmup: number;
  cpu: CpuRow[];
  cpuResolutionMs: Record<string, number>;
  profile: ProfileSummary | null;
  /** The slow burst again on a profiled gateway, per extraction. */
  slowProfile: ProfileSummary | null;
  overhead: OverheadRow[];
  slow: SlowResult | null;
  memory: UploadMemoryRow[];
  scale: Array<{ keys: number; gateway: LoadResult; direct: LoadResult }>;
  targets: Target[];
}

export interface Target {
  name: string;
  goal: string;
  figure: string;
  met: boolean;
}

const ratio = (a: LoadResult, b: LoadResult) => Math.round((a.throughput / b.throughput) * 100) / 100;
const lat = (l: LoadResult) => `${l.p50} / ${l.p95}`;
const codes = (c: Record<string, number>) =>
  Object.keys(c).length
    ? Object.entries(c)
        .map(([k, v]) => `${v}× ${k}`)
        .join(', ')
    : 'none';

/** Every target of issue 14, judged on this run's figures. */
export function judgeTargets(r: Omit<BenchResult, 'targets'>): Target[] {
  const out: Target[] = [];
  const cpu = (file: string) => r.cpu.find((c) => c.file === file);
  const pdf500 = cpu('PDF 500 KB');
  if (pdf500)
    out.push({
      name: 'CPU per extraction, 500 KB PDF',
      goal: '≤ 5 ms',
      figure: `${pdf500.gatewayMs} ms (emulator ${pdf500.emulatorMs} ms)`,
      met: pdf500.gatewayMs <= 5,
    });
  const small = r.cpu.filter((c) => c.file.endsWith('50 KB'));
  if (small.length) {
    const worst = small.reduce((a, b) => (b.gatewayMs > a.gatewayMs ? b : a));
    out.push({
      name: 'CPU per extraction, 50 KB file',
      goal: '≤ 3 ms',
      figure: small.map((c) => `${c.file} ${c.gatewayMs} ms`).join(', '),
      met: worst.gatewayMs <= 3,
    });
  }
  const c4 = r.overhead.find((o) => o.file === 'PDF 500 KB' && o.concurrency === 4);
  if (c4)
    out.push({
      name: 'Throughput vs direct, 500 KB PDF at concurrency 4',
      goal: '≥ 0.7×',
      figure: `${ratio(c4.gateway, c4.direct)}× (${c4.gateway.throughput}/s vs ${c4.direct.throughput}/s)`,
      met: ratio(c4.gateway, c4.direct) >= 0.7,
    });
  const withPortkey = r.overhead.filter((o) => o.portkey);
  if (withPortkey.length) {
    const behind = withPortkey.filter((o) => o.gateway.throughput <= o.portkey!.throughput);
    out.push({
      name: 'Ahead of Portkey (throughput) in every cell',
      goal: `${withPortkey.length} of ${withPortkey.length}`,
      figure: `ahead in ${withPortkey.length - behind.length} of ${withPortkey.length}${
        behind.length
          ? `; behind: ${behind.map((o) => `${o.file} c=${o.concurrency} (${o.gateway.throughput} vs ${o.portkey!.throughput}/s)`).join(', ')}`
          : ''
      }`,
      met: behind.length === 0,
    });
  }
  const m20 = r.memory.find((m) => m.size === '20 MB');
  if (m20)
    out.push({
      name: 'Memory growth per in-flight 20 MB upload',
      goal: '≤ 1× its size',
      figure: `${m20.perUploadFactor}× (${m20.inFlight} in flight: RSS ${m20.baselineRssMb} → ${m20.peakRssMb} MB)`,
      met: m20.perUploadFactor <= 1,
    });
  const s = r.slow;
  if (s) {
    out.push(
      {
        name: `${s.concurrent} slow extractions in flight: server RSS`,
        goal: '≤ 1 GB',
        figure: `peak ${s.peakRssMb} MB (${s.baselineRssMb} MB before)`,
        met: s.peakRssMb <= 1024,
      },
      {
        name: `${s.concurrent} slow extractions in flight: event-loop delay p99`,
        goal: '≤ 50 ms',
        figure: `${s.loopDelayP99Ms} ms (max ${s.loopDelayMaxMs} ms)`,
        met: s.loopDelayP99Ms <= 50,
      },
      {
        name: `${s.concurrent} slow extractions in flight: errors`,
        goal: '0',
        figure: `${s.errors} (${codes(s.errorCodes)})${s.allInFlightAtOnce ? '' : '; not all were in flight at once'}`,
        met: s.errors === 0 && s.allInFlightAtOnce,
      },
    );
  }
  return out;
}

function overheadTable(rows: OverheadRow[]): string {
  const head =
    '| file | conc. | direct p50 / p95 | direct /s | SDK /s | gateway p50 / p95 | gateway /s | × | Portkey p50 / p95 | Portkey /s | × |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const body = rows.map(
    (o) =>
      `| ${o.file} | ${o.concurrency} | ${lat(o.direct)} | ${o.direct.throughput} | ${o.sdk.throughput} | ${lat(o.gateway)} | ${o.gateway.throughput} | ${ratio(o.gateway, o.direct)} | ${
        o.portkey
          ? `${lat(o.portkey)} | ${o.portkey.throughput} | ${ratio(o.portkey, o.direct)}`
          : 'n/a | n/a | n/a'
      } |`,
  );
  const errors = rows.flatMap((o) =>
    (['direct', 'sdk', 'gateway', 'portkey'] as const)
      .filter((k) => o[k]?.errors)
      .map((k) => `${k} ${o.file} c=${o.concurrency}: ${codes(o[k]!.errorCodes)}`),
  );
  return [head, ...body].join('\n') + (errors.length ? `\n\nErrors: ${errors.join('; ')}.` : '');
}

function cpuTable(r: Omit<BenchResult, 'targets'>): string {
  return [
    '| file | requests | gateway CPU ms / extraction | emulator CPU ms / request | idle subtracted (gateway) | resolution |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.cpu.map(
      (c) =>
        `| ${c.file} | ${c.requests}${c.errors ? ` (${c.errors} failed)` : ''} | **${c.gatewayMs}** | ${c.emulatorMs} | ${c.idleGatewayMs} | ±${r.cpuResolutionMs[c.file]} |`,
    ),
  ].join('\n');
}

function profileBlock(p: ProfileSummary | null, what = '500 KB extraction'): string {
  if (!p) return 'No profile in this run.';
  return `Sampled CPU ${p.sampledMsPerCall} ms per ${what} (profiling adds its own overhead)${p.windowed ? '' : ', whole process lifetime (the measured window could not be matched)'}. By where the code lives:

| where | ms / extraction | share |
| --- | --- | --- |
${p.byPlace.map((b) => `| ${b.place} | ${b.ms} | ${b.share} % |`).join('\n')}

Top functions by self time:

| function | where | ms / extraction | share |
| --- | --- | --- | --- |
${p.top.map((t) => `| \`${t.fn.replace(/\|/g, '\\|')}\` | ${t.place} | ${t.ms} | ${t.share} % |`).join('\n')}`;
}

function slowBlock(s: SlowResult | null): string {
  if (!s) return 'Not run.';
  return `${s.concurrent} extractions (PDF 50 KB) sent at once; the emulator answers each after ${s.providerDelayMs / 1000} s. ${
    s.allInFlightAtOnce
      ? `All were written before the first answer came back (last sent at ${s.lastSentMs} ms, first answer at ${s.firstAnswerMs} ms), so all were in flight at once.`
      : `Not all were in flight at once (last sent at ${s.lastSentMs} ms, first answer at ${s.firstAnswerMs} ms).`
  }

| answered 200 | errors | latency p50 / p95 / p99 | burst took | server RSS before → peak | event-loop delay p99 / max |
| --- | --- | --- | --- | --- | --- |
| ${s.ok} | ${s.errors} (${codes(s.errorCodes)}) | ${s.p50} / ${s.p95} / ${s.p99} ms | ${s.wallMs} ms | ${s.baselineRssMb} → ${s.peakRssMb} MB | ${s.loopDelayP99Ms} / ${s.loopDelayMaxMs} ms |`;
}

function memoryTable(rows: UploadMemoryRow[]): string {
  return [
    '| size | uploads in flight | server RSS before | peak RSS | growth per MB in flight |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (m) =>
        `| ${m.size} | ${m.inFlight} | ${m.baselineRssMb} MB | ${m.peakRssMb} MB | **${m.perUploadFactor}×**${Object.keys(m.errorCodes).length ? ` (errors: ${codes(m.errorCodes)})` : ''} |`,
    ),
  ].join('\n');
}

function targetList(targets: Target[]): string {
  return targets
    .map((t) => `- ${t.met ? '**met**' : '**missed**'}: ${t.name} (target ${t.goal}): ${t.figure}`)
    .join('\n');
}

export function machineLine(r: Omit<BenchResult, 'targets'>): string {
  return `${r.date}, ${r.machine.cpus} cores (${r.machine.model}), ${r.machine.memoryGb} GB, ${r.machine.os}, Node ${r.machine.node}; tree ${r.machine.commit}; gateway from ${r.gateway.runtime === 'dist' ? 'built JavaScript' : 'TypeScript under tsx'} (${r.gateway.why}); Portkey ${r.portkey ?? 'not available'}; the run took ${r.minutes} min; 1-minute load average ${r.machine.loadAverage.before} before, ${r.machine.loadAverage.after} after (other work on the machine lowers throughput, and CPU time per request far less). Everything on 127.0.0.1: load generator, emulator, gateway and Portkey share the same cores.`;
}

/** bench/results/latest.md: every figure of the run. */
export function resultsMarkdown(r: BenchResult, chartFile: string): string {
  return `# Benchmark results${r.quick ? ' (quick run: small counts, figures are rough)' : ''}

${machineLine(r)}

## Targets

${targetList(r.targets)}

## CPU per extraction (sequential, process CPU time from /proc)

Each process's user + system time (every thread: GC and the libuv pool included) from \`/proc/<pid>/stat\` before and after the requests, one at a time, minus its idle rate measured just before over \`BENCH_IDLE_MS\`; the emulator's column is its own CPU for the same requests. "Resolution" is one clock tick spread over the row's requests.

${cpuTable(r)}

## Where the gateway's CPU goes (CPU profile of a separate run, 500 KB PDF)

${profileBlock(r.profile)}

## Throughput and latency: direct vs gateway vs Portkey

${r.count} requests per cell after ${r.warmup} warm-up, taken in turns (a slice each, repeated) so load from elsewhere on the machine falls on all alike. "Direct" is the provider alone: the generateContent request built once and POSTed over keep-alive \`node:http\`, as the gateway's multipart and Portkey's chat bodies are, so no caller pays for encoding in the load generator. "SDK" is the same call through one reused \`@google/genai\` client, whose encoding runs in the load generator's one process. Latency in ms; "×" = throughput as a share of direct in the same run.

${overheadTable(r.overhead)}

![throughput and latency by concurrency](${chartFile})

## Slow provider

${slowBlock(r.slow)}

### The burst again, on a profiled gateway

${profileBlock(r.slowProfile, 'extraction of the burst')}

## Memory per in-flight upload

${memoryTable(r.memory)}

## Scale: keys in the database (500 KB PDF, concurrency 4, ${r.scaleCount} requests each)

| keys | gateway p50 / p95 | gateway /s | direct p50 | direct /s |
| --- | --- | --- | --- | --- |
${r.scale.map((s) => `| ${s.keys} | ${lat(s.gateway)} | ${s.gateway.throughput} | ${s.direct.p50} | ${s.direct.throughput} |`).join('\n')}
`;
}

/** The README's Performance block, between its bench markers. */
export function readmeBlock(r: BenchResult): string {
  return `<!-- bench:start (written by pnpm bench from bench/results/latest.json; edit bench/src/report.ts, not this block) -->

Last run: ${machineLine(r)}

**Targets**

${targetList(r.targets)}

**CPU per extraction** (sequential; the emulator column is what parsing the same request and answering it needs):

${cpuTable(r)}

**Throughput and latency** (${r.count} requests per cell, taken in turns; direct = the provider alone with a prebuilt request, SDK = the same through one reused \`@google/genai\` client; latency ms; × = share of direct):

${overheadTable(r.overhead)}

![Throughput and p50/p95 latency by concurrency: direct, direct via @google/genai, gateway, Portkey](bench/results/latest.svg)

**Slow provider:** ${slowBlock(r.slow)}

**Memory per in-flight upload:**

${memoryTable(r.memory)}

**Where the gateway's CPU goes** (500 KB PDF, from a CPU profile):

${profileBlock(r.profile)}

<!-- bench:end -->`;
}
