import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The sources under tsx (`source` condition: the workspace packages' src/ too, not their dist/),
// so these suites test the code as it is now, built or not.
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * The environment of replicas sharing one SQLite file in `dir` and one master key (so each can
 * open the others' sealed keys), on loopback against `geminiUrl`; `extra` for the suite's own.
 */
export function replicaEnv(
  dir: string,
  geminiUrl: string,
  adminKey: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'shared.sqlite')}`,
    DATA_DIR: dir,
    ADMIN_API_KEY: adminKey,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    GEMINI_BASE_URL: geminiUrl,
    ...extra,
  };
}

export interface ServerInstance {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** The real service entry point as its own OS process; resolves once it listens. */
export function startServerProcess(
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<ServerInstance> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, exited });
      }
    });
  });
}
