import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
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
  return startProcess(['--import', TSX, fileURLToPath(new URL(file, import.meta.url))], env, ready);
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
