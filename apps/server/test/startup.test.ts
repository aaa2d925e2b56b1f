import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countOpenReservations, findLedgerViolations, openDatabase } from '@invoicegw/db';
import { DEMO_INVOICE, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../scripts/ensure-built.mjs';

// `pnpm start`'s entry: the built server on plain Node (built here first when the sources changed).
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// The demo script goes through tsx (named by its full path: the child runs in a bare temp
// folder); the server it imports by package name is the built one.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
beforeAll(() => ensureBuilt(['@invoicegw/server', '@invoicegw/gemini-emulator']), 15 * 60_000);
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'igw-server-'));
  dirs.push(dir);
  return dir;
}

/** Starts the real entry point as its own process on a free loopback port. */
function start(env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const check = () => {
      const m = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited:\n${output}`));
    });
  });
  // Tests that expect a failed start never await it.
  listening.catch(() => undefined);
  return { child, listening, exited, output: () => output };
}

describe('the service entry point', () => {
  it('starts on the embedded default ./data/ocr.sqlite, answers health, and stops on SIGTERM', async () => {
    const cwd = tempDir();
    const server = start({ DATABASE_URL: '' }, cwd);
    const url = await server.listening;
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'active',
      database: { kind: 'sqlite', reachable: true },
    });
    expect(existsSync(join(cwd, 'data', 'ocr.sqlite'))).toBe(true);
    expect(server.output()).toContain(
      'applied 0001-baseline, 0002-client-keys, 0003-upgrade-fixes, 0004-shared-cache, 0005-presumed-charges, 0006-budget-windows, 0007-alert-outbox, 0008-key-verification, 0009-retention',
    );
    // Development: a master key is generated once, private to its owner, with one warning.
    expect(statSync(join(cwd, 'data', 'master.key')).mode & 0o777).toBe(0o600);
    expect(server.output()).toMatch(/WARNING startup: Generated a development master key/);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // A second start on the same file finds the schema current.
    const again = start({ DATABASE_URL: '' }, cwd);
    await again.listening;
    expect(again.output()).toContain('schema current');
    expect(again.output()).not.toContain('Generated a development master key');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);

  it('on SIGTERM finishes the request in flight: its answer and its usage row survive', async () => {
    const emulator = await startEmulator();
    try {
      const cwd = tempDir();
      const server = start(
        {
          DATABASE_URL: 'sqlite:./gw.sqlite',
          ADMIN_API_KEY: 'shutdown-admin-key',
          GEMINI_BASE_URL: emulator.url,
        },
        cwd,
      );
      const url = await server.listening;
      const admin = { authorization: 'Bearer shutdown-admin-key', 'content-type': 'application/json' };
      await fetch(`${url}/v1/tokens`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ companyId: 'NT047', apiKey: 'AIzaFAKE-shutdown-key-xxxxxxxx' }),
      });
      emulator.queueFaults([{ type: 'slow', delayMs: 3000 }]);
      const form = new FormData();
      form.set(
        'file',
        new Blob([new Uint8Array(renderInvoicePdf(DEMO_INVOICE))], { type: 'application/pdf' }),
        'i.pdf',
      );
      form.set('companyID', 'NT047');
      form.set('username', 'tester');
      const inFlight = fetch(`${url}/extract`, { method: 'POST', body: form });
      await new Promise((r) => setTimeout(r, 1000));
      server.child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await server.exited).toBe(0);
      const db = await openDatabase({ kind: 'sqlite', filename: join(cwd, 'gw.sqlite') });
      try {
        expect(await db.db.selectFrom('TokenUsageLogs').select('Outcome').execute()).toEqual([
          { Outcome: 'success' },
        ]);
        expect(await findLedgerViolations(db)).toEqual([]);
        expect(await countOpenReservations(db)).toBe(0);
        const logs = await db.db.selectFrom('ApplicationLogs').select('Message').execute();
        expect(logs.map((l) => l.Message)).toContain('stopped');
      } finally {
        await db.close();
      }
    } finally {
      await emulator.close();
    }
  }, 60_000);

  it('pnpm demo works offline: emulator, server, a demo key, one extraction, its usage rows', async () => {
    const cwd = tempDir();
    const demo = spawn(
      process.execPath,
      ['--import', TSX, fileURLToPath(new URL('../scripts/demo.ts', import.meta.url))],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(demo);
    let out = '';
    demo.stdout.on('data', (d) => {
      out += d;
    });
    demo.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise((resolve) => demo.on('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain('POST /extract → HTTP 200');
    expect(out).toContain('"invoice_no": "INV-2026-0042"');
    expect(out).toMatch(/TokenUsageLogs[\s\S]*'success'/);
    expect(out).not.toContain('AIzaDEMO-not-a-real-key-000');
  }, 60_000);

  it('refuses to start in production without TOKEN_ENCRYPTION_KEY', async () => {
    const server = start(
      { NODE_ENV: 'production', DATABASE_URL: 'sqlite::memory:', TOKEN_ENCRYPTION_KEY: '' },
      tempDir(),
    );
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      'startup failed: TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production',
    );
  }, 30_000);

  it('refuses a malformed DATABASE_URL with a clear message that never shows the password', async () => {
    const server = start({ DATABASE_URL: 'mssql://sa:Sup3r-Secret-Pw@db.example:99999/ocr' }, tempDir());
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/startup failed: DATABASE_URL/);
    expect(server.output()).not.toContain('Sup3r-Secret-Pw');
  }, 30_000);
});
