import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../scripts/ensure-built.mjs';

// `pnpm start` runs dist/main.js on plain Node: the pages, the docs assets (read from
// swagger-ui-dist through import.meta.url) and the OpenAPI document must all work from dist/.
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'igw-built-server-'));
let child: ChildProcess | undefined;
let url = '';
let output = '';

beforeAll(async () => {
  await ensureBuilt(['@invoicegw/server']);
  child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'built.sqlite')}`,
      DATA_DIR: join(dir, 'data'),
      ADMIN_API_KEY: 'built-admin-key',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the built server did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the built server exited (${code}):\n${output}`));
    });
  });
}, 15 * 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the built server (dist/main.js, as `pnpm start` runs it)', () => {
  it('answers health on the temp SQLite file', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'active',
      database: { kind: 'sqlite', reachable: true },
    });
    const v1 = await fetch(`${url}/v1/health`);
    expect(v1.status).toBe(200);
  });

  it('serves the dashboard sign-in page (Hono JSX compiled to dist) and its stylesheet', async () => {
    const res = await fetch(`${url}/ui/sign-in`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toMatch(/<form[^>]*method="post"/i);
    expect(html).toContain('admin key');
    const css = await fetch(`${url}/ui/assets/dashboard.css`);
    expect(css.status).toBe(200);
  });

  it('serves /docs with Swagger UI from node_modules, and /openapi.json', async () => {
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js']) {
      const res = await fetch(`${url}/docs/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(10_000);
    }
    const doc = await fetch(`${url}/openapi.json`);
    expect(doc.status).toBe(200);
    const body = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths)).toContain('/v1/tokens');
  });

  it('is plain Node: no TypeScript loader in its process', () => {
    expect(child!.spawnargs).toEqual([process.execPath, MAIN]);
    expect(output).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/);
  });
});
