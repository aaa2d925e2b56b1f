import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './gateway.ts';

// What users run: bin/ocr-ops.mjs on plain Node, over dist/ (built by test/built-cli.setup.ts).
const dir = mkdtempSync(join(tmpdir(), 'igw-built-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A resolve hook that writes every module URL the child loads to a file, to see what a command pulls in.
const HOOKS = join(dir, 'hooks.mjs');
writeFileSync(
  HOOKS,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.IGW_LOAD_LOG, result.url + '\\n');
  return result;
}
`,
);
const REGISTER = join(dir, 'register.mjs');
writeFileSync(
  REGISTER,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(HOOKS).href)});\n`,
);

let runs = 0;
function ocrOps(
  args: string[],
): Promise<{ code: number | null; out: string; err: string; loaded: string[] }> {
  const log = join(dir, `loaded-${++runs}.txt`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--import', pathToFileURL(REGISTER).href, BIN, ...args], {
    cwd: dir,
    env: { ...process.env, IGW_LOAD_LOG: log, NO_COLOR: '1', OCR_OPS_URL: 'http://127.0.0.1:9' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        out,
        err,
        loaded: [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))],
      }),
    ),
  );
}

const from = (loaded: string[], pattern: RegExp) => loaded.filter((url) => pattern.test(url));

describe('the built ocr-ops', () => {
  it('--help lists the commands from dist/, with no TypeScript loader and no client or database driver loaded', async () => {
    const run = await ocrOps(['--help']);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toBe('');
    expect(run.out).toContain('Usage: ocr-ops [options] [command]');
    for (const command of ['tokens', 'status', 'usage', 'logs', 'clients', 'extract', 'db'])
      expect(run.out).toMatch(new RegExp(`\\n {2}${command}\\b`));
    expect(run.out).toContain('Examples:');
    expect(from(run.loaded, /\/apps\/ops-cli\/dist\/main\.js$/)).toHaveLength(1);
    expect(from(run.loaded, /\.tsx?$|\/tsx\//)).toEqual([]);
    expect(
      from(run.loaded, /@trpc|\/packages\/client\/|\/packages\/db\/|kysely|tedious|better-sqlite3/),
    ).toEqual([]);
  });

  it('--version prints the package version', async () => {
    const run = await ocrOps(['--version']);
    expect(run.code).toBe(0);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(run.out.trim()).toBe(version);
  });

  it('a command that needs the gateway loads the built client, and only then', async () => {
    const run = await ocrOps(['status']);
    // Port 9 on loopback: nobody listens, so the client is loaded and the call is refused.
    expect(run.code, run.err).toBe(3);
    expect(run.err).toContain('http://127.0.0.1:9');
    expect(from(run.loaded, /\/packages\/client\/dist\/index\.js$/)).toHaveLength(1);
    expect(from(run.loaded, /\.tsx?$|\/tsx\//)).toEqual([]);
    expect(from(run.loaded, /\/packages\/db\//)).toEqual([]);
  });

  it('db setup --print-sql loads the built database package', async () => {
    const run = await ocrOps(['db', 'setup', '--print-sql']);
    expect(run.code, run.err).toBe(0);
    expect(run.out.toLowerCase()).toContain('create table');
    expect(from(run.loaded, /\/packages\/db\/dist\/index\.js$/)).toHaveLength(1);
    expect(from(run.loaded, /\.tsx?$|\/tsx\//)).toEqual([]);
  });
});
