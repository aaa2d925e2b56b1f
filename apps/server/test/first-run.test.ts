import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../scripts/ensure-built.mjs';
import { loadConfig } from '../src/env.ts';
import { startupSummary } from '../src/startup-summary.ts';

// What a newcomer sees: the start message, a second start, a port already taken (gateway and
// emulator), and `pnpm demo`'s last line. Each is the real entry point in a child process, as
// `pnpm start`/`pnpm emulator` run it: the built JavaScript on plain Node.
const MAIN = [fileURLToPath(new URL('../dist/main.js', import.meta.url))];
const EMULATOR_MAIN = [
  fileURLToPath(new URL('../../../packages/gemini-emulator/dist/main.js', import.meta.url)),
];
// The demo script itself goes through tsx; what it imports by package name is the built server.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const DEMO = ['--import', TSX, fileURLToPath(new URL('../scripts/demo.ts', import.meta.url))];

beforeAll(() => ensureBuilt(['@invoicegw/server', '@invoicegw/gemini-emulator']), 15 * 60_000);
const cleanup: Array<() => void> = [];

afterEach(() => {
  for (const undo of cleanup.splice(0).reverse()) undo();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'igw-first-run-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `node <script…>`; `until` ends it (SIGTERM) once the output matches. */
function runScript(script: string[], env: Record<string, string>, cwd: string, until?: RegExp) {
  const child: ChildProcess = spawn(process.execPath, script, {
    cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.kill('SIGKILL'));
  let output = '';
  let ended = false;
  const append = (d: Buffer) => {
    output += d;
    // Once: a second signal would cut the graceful stop short, as a second Ctrl+C does.
    if (!ended && until?.test(output)) ended = child.kill('SIGTERM');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** A loopback port someone else already listens on. */
async function takenPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => server.close());
  return (server.address() as { port: number }).port;
}

const STARTED = /Stop with Ctrl\+C\./;

describe('the first start, and the next', () => {
  it('prints the admin key once, then where it is on every start, with the URLs and what to do next', async () => {
    const cwd = tempDir();
    const first = await runScript(MAIN, { DATABASE_URL: '' }, cwd, STARTED);
    expect(first.code, first.output).toBe(0);
    const key = readFileSync(join(cwd, 'data', 'admin.key'), 'utf8').trim();
    expect(first.output).toContain(`generated a development admin key (stored in data/admin.key): ${key}`);
    const url = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(first.output)![1]!;
    for (const line of [
      `dashboard   ${url}/ui`,
      `API docs    ${url}/docs`,
      'database    sqlite:./data/ocr.sqlite',
      `data dir    ${join(cwd, 'data')}`,
      `admin key   ${join(cwd, 'data', 'admin.key')} (development`,
      "Gemini      Google's API, model gemini-2.5-flash (GEMINI_BASE_URL unset",
      // Not on ocr-ops' default address: the line says where the gateway is.
      `OCR_OPS_URL=${url} pnpm -s ocr-ops tokens add --company NT047 --limit 100000`,
      `-F companyID=NT047 -F username=me ${url}/extract`,
      'Run `pnpm emulator` and start with GEMINI_BASE_URL=http://127.0.0.1:8090',
    ])
      expect(first.output).toContain(line);

    const second = await runScript(
      MAIN,
      { DATABASE_URL: '', GEMINI_BASE_URL: 'http://127.0.0.1:9' },
      cwd,
      STARTED,
    );
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('INFO startup: Development admin key in data/admin.key');
    expect(second.output).not.toContain(key);
    expect(second.output).toContain('Gemini      http://127.0.0.1:9 (GEMINI_BASE_URL)');
    const url2 = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(second.output)![1]!;
    expect(second.output).toContain(
      `printf %s AIzaFAKE-any-key-the-emulator-takes | OCR_OPS_URL=${url2} pnpm -s ocr-ops`,
    );
  }, 60_000);

  it('says where things are in production too, without the next steps', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'prod-admin',
      TOKEN_ENCRYPTION_KEY: 'a'.repeat(64),
      DATA_DIR: '/var/lib/igw',
      DATABASE_URL: 'mssql://ocr_app:Secret-Pw-1@db.example/ocr',
    });
    const text = startupSummary({
      url: 'http://127.0.0.1:8000',
      config,
      cwd: '/srv',
    }).join('\n');
    expect(text).toContain('admin key   from ADMIN_API_KEY');
    expect(text).toContain('data dir    /var/lib/igw');
    expect(text).toContain('database    mssql://ocr_app:***@db.example/ocr');
    expect(text).not.toContain('Secret-Pw-1');
    expect(text).not.toContain('Next:');
    expect(text).not.toContain('prod-admin');
  });
});

describe('a port already taken', () => {
  it('stops the gateway with one line naming the port and PORT, exit code 1, no stack', async () => {
    const port = await takenPort();
    const run = await runScript(MAIN, { DATABASE_URL: 'sqlite::memory:', PORT: String(port) }, tempDir());
    expect(run.code).toBe(1);
    const errors = run.output.split('\n').filter((l) => l.startsWith('ERROR'));
    expect(errors).toEqual([
      `ERROR: startup failed: port ${port} is already in use on 127.0.0.1: stop the other process, or set PORT to a free port (PORT=0 picks one)`,
    ]);
    expect(run.output).not.toMatch(/EADDRINUSE|\n\s+at /);
  }, 30_000);

  it('stops the emulator the same way, naming EMULATOR_PORT', async () => {
    const port = await takenPort();
    const run = await runScript(EMULATOR_MAIN, { EMULATOR_PORT: String(port) }, tempDir());
    expect(run.code).toBe(1);
    expect(run.output.trim()).toBe(
      `ERROR: port ${port} is already in use on 127.0.0.1 (another emulator?): stop it, or set EMULATOR_PORT to a free port`,
    );
  }, 30_000);

  it("the emulator's start message says how to point the gateway at it", async () => {
    const run = await runScript(EMULATOR_MAIN, { EMULATOR_PORT: '0' }, tempDir(), /Stop with Ctrl\+C/);
    expect(run.code).toBe(0);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output)![1]!;
    expect(run.output).toContain(`GEMINI_BASE_URL=${url} pnpm start`);
  }, 30_000);
});

describe('pnpm demo', () => {
  it('ends on a true line: its server has stopped, and says where its data stayed', async () => {
    const run = await runScript(DEMO, {}, tempDir());
    expect(run.code, run.output).toBe(0);
    const lines = run.output.trim().split('\n');
    const stopped = lines.at(-2)!;
    const url = /server \((http:\/\/127\.0\.0\.1:\d+)\) and emulator have stopped/.exec(stopped)?.[1];
    expect(url, stopped).toBeDefined();
    await expect(fetch(`${url}/`)).rejects.toThrow();
    expect(lines.at(-1)).toContain('DATABASE_URL=sqlite:./data/demo/ocr.sqlite DATA_DIR=./data/demo');
  }, 60_000);
});
