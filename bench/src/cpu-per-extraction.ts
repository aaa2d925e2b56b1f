import { type Gateway, scrapeMetrics } from './gateway.ts';
import { CPU_TICK_MS, cpuMsOf } from './processes.ts';

export interface CpuRow {
  file: string;
  requests: number;
  errors: number;
  wallMs: number;
  /** Gateway process CPU (user + system) per extraction, idle baseline subtracted. */
  gatewayMs: number;
  /** The emulator's CPU for the same requests: what parsing the request and answering needs. */
  emulatorMs: number;
  /** Idle CPU subtracted, per extraction, gateway and emulator. */
  idleGatewayMs: number;
  idleEmulatorMs: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** CPU ms a process spends per wall ms at rest (timers, sweeper), measured over `ms`. */
async function idleRate(pids: number[], ms: number): Promise<number[]> {
  const before = pids.map(cpuMsOf);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const wall = performance.now() - t;
  return pids.map((p, i) => (cpuMsOf(p) - before[i]!) / wall);
}

/** Waits (bounded) until the gateway's log queue is written, so its CPU is counted too. */
async function logsWritten(gw: Gateway): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await scrapeMetrics(gw)).get('igw_log_queue_depth') === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sequential extractions, one at a time: process CPU time of the gateway and of the emulator,
 * read from /proc before and after, divided by the requests.
 */
export async function cpuPerExtraction(
  gw: Gateway,
  emulatorPid: number,
  file: string,
  call: () => Promise<void>,
  requests: number,
  warmup: number,
  idleMs: number,
): Promise<CpuRow> {
  for (let i = 0; i < warmup; i++) await call().catch(() => undefined);
  await logsWritten(gw);
  const [idleGw, idleEmu] = await idleRate([gw.pid, emulatorPid], idleMs);
  const g0 = cpuMsOf(gw.pid);
  const e0 = cpuMsOf(emulatorPid);
  const t0 = performance.now();
  let errors = 0;
  for (let i = 0; i < requests; i++) await call().catch(() => (errors += 1));
  await logsWritten(gw);
  const wallMs = performance.now() - t0;
  const g = cpuMsOf(gw.pid) - g0;
  const e = cpuMsOf(emulatorPid) - e0;
  return {
    file,
    requests,
    errors,
    wallMs: Math.round(wallMs),
    gatewayMs: round(Math.max(0, g - idleGw! * wallMs) / requests),
    emulatorMs: round(Math.max(0, e - idleEmu! * wallMs) / requests),
    idleGatewayMs: round((idleGw! * wallMs) / requests),
    idleEmulatorMs: round((idleEmu! * wallMs) / requests),
  };
}

/** The resolution of one row: a clock tick spread over its requests. */
export const cpuResolutionMs = (requests: number) => round(CPU_TICK_MS / requests);
