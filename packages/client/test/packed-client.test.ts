import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Emulator, startEmulator } from '@invoicegw/gemini-emulator';
import { loadConfig, type RunningServer, startServer } from '@invoicegw/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The client as someone outside the workspace gets it: `pnpm pack`, `npm install <tarball>` in a
// project under the system's temp folder (no workspace above it to fall back on), a strict tsc
// build of code that uses it, and that code run against a real gateway.
const run = promisify(execFile);
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PACKAGE, '..', '..');
const SAMPLE = join(ROOT, 'samples', 'sample-invoice.pdf');
const ADMIN = 'packed-client-admin-key';
const requireHere = createRequire(import.meta.url);
/** Where a package the client (or the consumer) needs is installed in this workspace. */
const installed = (name: string, from = PACKAGE) =>
  dirname(realpathSync(createRequire(join(from, 'x.js')).resolve(`${name}/package.json`)));

/** This process's environment less `npm_config_*`, which `pnpm run` sets for its own scripts. */
const npmFreeEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));

let dir: string;
let emulator: Emulator;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'igw-packed-client-'));
  emulator = await startEmulator();
  server = await startServer(
    loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'gw.sqlite')}`,
      DATA_DIR: join(dir, 'data'),
      ADMIN_API_KEY: ADMIN,
      GEMINI_BASE_URL: emulator.url,
    }),
    { console: { log: () => undefined } },
  );
});

afterAll(async () => {
  await server?.close();
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const CONSUMER = `import { readFile } from 'node:fs/promises';
import {
  type AppErrorCode,
  createClient,
  extractionForm,
  type GatewayErrorCode,
  gatewayError,
  type Invoice,
  type TokenView,
} from '@invoicegw/client';

const [url, adminKey, pdf] = process.argv.slice(2) as [string, string, string];
const ops = createClient({ url, adminKey, actor: 'outside' });

const token: TokenView = await ops.tokens.add.mutate({
  companyId: 'OUT1',
  apiKey: 'AIzaFAKE-outside-the-workspace-key',
  totalTokenLimit: 100_000,
});
// The router's real types came along (not any): each line below must be a type error.
// @ts-expect-error keyHint is string | null
const hintAsNumber: number = token.keyHint;
// Never called: it only has to fail to compile.
const wrongInput = () =>
  // @ts-expect-error companyId is a string
  ops.tokens.list.query({ companyId: 1 });

const result = await ops.extraction.extract.mutate(
  extractionForm({ file: new Blob([await readFile(pdf)]), fileName: 'sample-invoice.pdf', companyId: 'OUT1', username: 'outside' }),
);
const invoice: Invoice = result.data;

let code: GatewayErrorCode | undefined;
try {
  await createClient({ url, adminKey: 'not-the-admin-key' }).tokens.list.query({});
} catch (error) {
  code = gatewayError(error)?.code;
  // @ts-expect-error TOKEN_BUSYY is not a code the gateway has
  if (code === 'TOKEN_BUSYY') throw error;
}
const known: AppErrorCode = 'TOKEN_BUSY';
console.log(JSON.stringify({ tokenId: token.tokenId, invoiceNo: invoice.invoice_no, tokens: result.usage.totalTokens, code, known, hintAsNumber: typeof hintAsNumber, wrongInput: typeof wrongInput }));
`;

describe('the packed client, outside the workspace', () => {
  it('installs from its tarball offline, compiles under strict tsc without the server, and runs', async () => {
    // Build through turbo: cached (and instant) right after `pnpm test`'s build, rebuilt when a
    // source it depends on (the server's router included) changed.
    await run(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', '--filter=@invoicegw/client', '--output-logs=errors-only'],
      {
        cwd: ROOT,
        timeout: 150_000,
      },
    );
    const packs = join(dir, 'packs');
    await run('pnpm', ['pack', '--pack-destination', packs], { cwd: PACKAGE, timeout: 30_000 });
    const [tarball] = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^invoicegw-client-.*\.tgz$/);
    const { stdout: listing } = await run('tar', ['tzf', join(packs, tarball!)]);
    expect(listing.split('\n').filter(Boolean).sort()).toEqual([
      'package/README.md',
      'package/dist/app-router.d.ts',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/package.json',
    ]);

    // The tarball's dependencies come from the registry in real life; here, offline, npm finds
    // them already installed (copied from this workspace) and only unpacks the tarball.
    const project = join(dir, 'outside');
    const modules = join(project, 'node_modules');
    for (const [name, source] of [
      ['@trpc/client', installed('@trpc/client')],
      ['@trpc/server', installed('@trpc/server')],
      ['@types/node', installed('@types/node')],
      ['undici-types', installed('undici-types', installed('@types/node'))],
    ] as const) {
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      cpSync(source, join(modules, name), { recursive: true, dereference: true });
    }
    const versionOf = (name: string) =>
      (requireHere(join(modules, name, 'package.json')) as { version: string }).version;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'outside',
        private: true,
        type: 'module',
        devDependencies: {
          '@types/node': versionOf('@types/node'),
          'undici-types': versionOf('undici-types'),
        },
      }),
    );
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--legacy-peer-deps',
        '--cache',
        join(dir, 'npm-cache'),
        join(packs, tarball!),
      ],
      // Without the settings pnpm passes down to scripts, and with a registry nobody listens on:
      // the install must not need one.
      { cwd: project, timeout: 60_000, env: { ...npmFreeEnv(), npm_config_registry: 'http://127.0.0.1:9/' } },
    );
    expect(readdirSync(join(modules, '@invoicegw'))).toEqual(['client']);

    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'main.ts'), CONSUMER);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          // DOM: @trpc/client's own declarations name fetch's RequestInfo.
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          // Every declaration file is checked too: the packed types must stand on their own.
          skipLibCheck: false,
          outDir: 'dist',
          rootDir: 'src',
        },
        include: ['src'],
      }),
    );
    const tsc = requireHere.resolve('typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', project], {
      cwd: project,
      timeout: 60_000,
    }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed outside the workspace:\n${error.stdout}`);
    });
    expect(compiled.stdout).toBe('');

    const { stdout } = await run(
      process.execPath,
      [join(project, 'dist', 'main.js'), server.url, ADMIN, SAMPLE],
      {
        cwd: project,
        timeout: 30_000,
      },
    );
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ invoiceNo: 'INV-2026-0042', code: 'UNAUTHORIZED', known: 'TOKEN_BUSY' });
    expect(out.tokenId).toEqual(expect.any(Number));
    expect(out.tokens).toBeGreaterThan(0);
  }, 240_000);
});
