import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { type Emulator, startEmulator } from '@invoicegw/gemini-emulator';
import { loadConfig, type RunningServer, startServer } from '@invoicegw/server';

export const BIN = fileURLToPath(new URL('../bin/ocr-ops.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface CliOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  /** Default: the gateway's temp directory (no ./data/admin.key there unless a test puts one). */
  cwd?: string;
}

export interface Gateway {
  server: RunningServer;
  emulator: Emulator;
  dir: string;
  admin: string;
  /** Everything any CLI run printed, for the "no key in any output" check. */
  outputs: string[];
  /** The environment a CLI run gets: the gateway, the admin key, no colour decision inherited. */
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  cli(args: string[], options?: CliOptions): Promise<CliResult>;
  close(): Promise<void>;
}

/** A real gateway on loopback (temp SQLite, the emulator) and the CLI as a child process against it. */
export async function startGateway(admin: string): Promise<Gateway> {
  const emulator = await startEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'igw-cli-'));
  const server = await startServer(
    loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'gw.sqlite')}`,
      DATA_DIR: dir,
      ADMIN_API_KEY: admin,
      GEMINI_BASE_URL: emulator.url,
      CACHE_MAX_ENTRIES: '0',
    }),
    { console: { log() {} } },
  );
  const outputs: string[] = [];
  const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
    const merged: NodeJS.ProcessEnv = {
      ...process.env,
      OCR_OPS_URL: server.url,
      OCR_OPS_ADMIN_KEY: admin,
      OCR_OPS_ACTOR: 'cli-test',
      // Isolated from the developer's setup: no config file, no colour forced by the test runner.
      HOME: dir,
      FORCE_COLOR: undefined,
      NO_COLOR: undefined,
      DATA_DIR: undefined,
      OCR_OPS_CONFIG: undefined,
      ...extra,
    };
    for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
    return merged;
  };
  const cli = (args: string[], options: CliOptions = {}) =>
    new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: env(options.env),
        cwd: options.cwd ?? dir,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.stdin.end(options.stdin ?? '');
      child.on('close', (code, signal) => {
        outputs.push(out, err);
        resolve({ code, signal, out, err });
      });
    });
  return {
    server,
    emulator,
    dir,
    admin,
    outputs,
    env,
    cli,
    async close() {
      await server.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A one-page PDF with nothing on it: the emulator reads no field from it (a blank invoice). */
export function blankPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 5 >>\nstream\nBT ET\nendstream',
  ];
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A small valid PNG (grey, `size` × `size`). */
export function tinyPng(size = 8): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.concat(Array.from({ length: size }, () => Buffer.from([0, ...Array(size).fill(128)])));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
