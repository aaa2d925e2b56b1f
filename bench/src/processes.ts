import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
// Under tsx, workspace packages resolve to their TypeScript ("source" export condition), not dist.
const TS_ARGS = ['--conditions=source', '--import', TSX];

/** The gateway's entry: the built JavaScript when it is there and fresh, else its TypeScript under tsx. */
export const GATEWAY_DIST = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));
export const GATEWAY_SRC = fileURLToPath(new URL('../../apps/server/src/main.ts', import.meta.url));
const SOURCES = ['apps/server/src', 'packages/core/src', 'packages/db/src'].map((d) =>
  fileURLToPath(new URL(`../../${d}`, import.meta.url)),
);
// What plain Node loads from the build: the server's and the workspace packages' dist entries.
const BUILT = [GATEWAY_DIST, 'packages/core/dist/index.js', 'packages/db/dist/index.js'].map((f) =>
  f.startsWith('/') ? f : fileURLToPath(new URL(`../../${f}`, import.meta.url)),
);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const children: ChildProcess[] = [];

export function stopAll(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** Starts a child and resolves with the first match of `ready` in its output. */
export function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  cwd?: string,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`did not start: ${args.join(' ')}\n${out.slice(-2000)}`)),
      60_000,
    );
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      // Once started, its output is drained unread: the harness must not spend the cores it measures.
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.stdout!.resume();
      child.stderr!.resume();
      out = '';
      resolve({ child, match: m });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out.slice(-2000)}`)));
  });
}

export function startTs(file: string, env: Record<string, string>, ready: RegExp) {
  return startProcess([...TS_ARGS, fileURLToPath(new URL(file, import.meta.url))], env, ready);
}

/** Newest modification time under these directories (ms). */
function newest(dirs: string[]): number {
  let latest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else latest = Math.max(latest, statSync(path).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return latest;
}

/**
 * How to start the gateway: its dist build when it is newer than every source file it is built
 * from (a stale build would measure old code), else tsx on src; `why` goes into the results.
 */
export function gatewayEntry(tsxBecause?: string): { args: string[]; runtime: 'dist' | 'tsx'; why: string } {
  if (tsxBecause || process.env.BENCH_GATEWAY === 'tsx' || !existsSync(GATEWAY_DIST))
    return {
      args: [...TS_ARGS, GATEWAY_SRC],
      runtime: 'tsx',
      why:
        tsxBecause ??
        (existsSync(GATEWAY_DIST) ? 'BENCH_GATEWAY=tsx' : 'no apps/server/dist/main.js (run pnpm build)'),
    };
  const built = Math.min(...BUILT.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
  const stale = newest(SOURCES) > built;
  if (stale && process.env.BENCH_GATEWAY !== 'dist')
    return {
      args: [...TS_ARGS, GATEWAY_SRC],
      runtime: 'tsx',
      why: 'apps/server/dist is older than the sources (run pnpm build, or BENCH_GATEWAY=dist to use it anyway)',
    };
  return {
    args: [GATEWAY_DIST],
    runtime: 'dist',
    why: stale
      ? 'apps/server/dist/main.js by BENCH_GATEWAY=dist, though some sources changed after the build'
      : 'apps/server/dist/main.js, built after the last source change',
  };
}

/** CPU time (user + system, every thread) a process has used so far, in ms (Linux /proc). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** The clock-tick length that bounds cpuMsOf's resolution. */
export const CPU_TICK_MS = 1000 / CLK_TCK;

/** Starts peak-RSS tracking over from the current RSS (Linux: clear_refs 5), when allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak and current resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peakMb: Math.round(kb('VmHWM') / 102.4) / 10, rssMb: Math.round(kb('VmRSS') / 102.4) / 10 };
}

/** Portkey's open-source gateway from npm, installed beside the bench on first use. */
export function ensurePortkey(): string | undefined {
  const dir = fileURLToPath(new URL('../.portkey/', import.meta.url));
  const entry = `${dir}node_modules/@portkey-ai/gateway/build/start-server.js`;
  if (!existsSync(entry)) {
    try {
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          dir,
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          '@portkey-ai/gateway@1.15.2',
        ],
        { stdio: 'inherit' },
      );
    } catch {
      return undefined;
    }
  }
  return existsSync(entry) ? entry : undefined;
}
