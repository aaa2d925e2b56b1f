import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { gatewayEntry, startProcess } from './processes.ts';

export const KEY = 'AIzaBENCH-not-a-real-key-000';
export const COMPANY = 'BENCH';
export const MASTER = randomBytes(32).toString('hex');
const ADMIN = 'bench-admin-key';
export const adminHeaders = { authorization: `Bearer ${ADMIN}` };

export interface Gateway {
  url: string;
  pid: number;
  /** SIGTERM, then resolves once the process has exited (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** Which runtime served the gateway in this run, for the results (set by the first start). */
export const gatewayRuntime = { runtime: '', why: '' };

// The bench's own limits: room for 1,000 extractions of one company in flight at once, no cache
// (every call does the full work), files up to 25 MB.
const BENCH_ENV = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  ADMIN_API_KEY: ADMIN,
  TOKEN_ENCRYPTION_KEY: MASTER,
  CACHE_MAX_ENTRIES: '0',
  COMPANY_CONCURRENCY: '2000',
  MAX_UPLOAD_MB: '25',
  LOG_QUEUE_MAX: '100000',
};

// Set once the build failed to start, so later starts go straight to tsx.
let fallback: string | undefined;

const READY = /(?:running on|gateway\s+)(http:\/\/127\.0\.0\.1:\d+)/;

/** Starts the gateway as its own process on a fresh SQLite file and adds the bench key. */
export async function startGateway(
  database: string,
  emulator: string,
  extraEnv: Record<string, string> = {},
  nodeFlags: string[] = [],
): Promise<Gateway> {
  mkdirSync(dirname(database), { recursive: true });
  const env = {
    ...BENCH_ENV,
    DATABASE_URL: `sqlite:${database}`,
    DATA_DIR: dirname(database),
    GEMINI_BASE_URL: emulator,
    ...extraEnv,
  };
  let entry = gatewayEntry(fallback);
  let started: Awaited<ReturnType<typeof startProcess>>;
  try {
    started = await startProcess([...nodeFlags, ...entry.args], env, READY);
  } catch (error) {
    if (entry.runtime !== 'dist') throw error;
    // The build is there but does not start on plain Node (e.g. workspace packages still export .ts).
    const reason = (error as Error).message.split('\n').find((l) => /Error|error:/.test(l)) ?? 'exited';
    fallback = `apps/server/dist/main.js did not start (${reason.trim().slice(0, 160)})`;
    entry = gatewayEntry(fallback);
    started = await startProcess([...nodeFlags, ...entry.args], env, READY);
  }
  if (!gatewayRuntime.runtime) Object.assign(gatewayRuntime, { runtime: entry.runtime, why: entry.why });
  const url = started.match[1]!;
  const res = await fetch(`${url}/v1/tokens`, {
    method: 'POST',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: COMPANY, apiKey: KEY, totalTokenLimit: 2_000_000_000 }),
  });
  await res.arrayBuffer();
  if (res.status !== 200 && res.status !== 409)
    throw new Error(`could not add the bench key: HTTP ${res.status}`);
  const { child } = started;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url, pid: child.pid!, stop };
}

/** One /metrics scrape, as name → value for unlabelled series. */
export async function scrapeMetrics(gw: Gateway): Promise<Map<string, number>> {
  const text = await (await fetch(`${gw.url}/metrics`, { headers: adminHeaders })).text();
  const values = new Map<string, number>();
  for (const m of text.matchAll(/^([a-z0-9_]+) (\S+)$/gm)) values.set(m[1]!, Number(m[2]));
  return values;
}
