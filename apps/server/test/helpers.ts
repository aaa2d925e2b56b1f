import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@invoicegw/core';
import { type Emulator, type EmulatorOptions, startEmulator } from '@invoicegw/gemini-emulator';
import { loadConfig } from '../src/env.ts';
import { type RunningServer, type StartOptions, startServer } from '../src/server.ts';

export const ADMIN = 'test-admin-key-for-the-suite';

export interface TestServer extends RunningServer {
  emulator: Emulator;
  dir: string;
  admin: Record<string, string>;
  stop(): Promise<void>;
}

/** The real server on a loopback port, on a SQLite file, against the emulator. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
  emulatorOptions: EmulatorOptions = {},
): Promise<TestServer> {
  const emulator = await startEmulator(emulatorOptions);
  const dir = mkdtempSync(join(tmpdir(), 'igw-srv-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'ocr.sqlite')}`,
    DATA_DIR: dir,
    ADMIN_API_KEY: ADMIN,
    GEMINI_BASE_URL: emulator.url,
    GEMINI_INITIAL_DELAY_MS: '5',
    GEMINI_MAX_DELAY_MS: '50',
    GEMINI_ATTEMPT_TIMEOUT_MS: '1000',
    SHUTDOWN_DEADLINE_SECONDS: '5',
    ...env,
  });
  const running = await startServer(config, { console: createMemoryLogger(), ...options });
  return {
    ...running,
    emulator,
    dir,
    admin: { authorization: `Bearer ${ADMIN}` },
    async stop() {
      await running.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A multipart upload as curl -F would send it. */
export function uploadForm(
  fields: Record<string, string>,
  file?: { bytes: Buffer; type?: string; name?: string },
): FormData {
  const form = new FormData();
  if (file)
    form.set(
      'file',
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/pdf' }),
      file.name ?? 'invoice.pdf',
    );
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

export const fakeKey = (label: string) => `AIzaFAKE-${label}-${'x'.repeat(Math.max(0, 26 - label.length))}`;
