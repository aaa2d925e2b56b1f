import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuilt, staleOf } from '../../../scripts/ensure-built.mjs';

// scripts/ensure-built.mjs decides whether `pnpm start`/`demo`/`ocr-ops` build first; here on a
// throwaway workspace whose file times are set, not waited for.
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function write(path: string, text: string, time: Date): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  utimesSync(path, time, time);
}

/** app → lib (dependency), app → tool (devDependency only); everything built at t=10 from sources of t=0. */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'igw-ensure-built-'));
  roots.push(root);
  write(join(root, 'tsconfig.base.json'), '{}', at(0));
  const pkg = (dir: string, manifest: object) => {
    write(join(root, dir, 'package.json'), JSON.stringify(manifest), at(0));
    write(join(root, dir, 'src', 'index.ts'), 'export {};', at(0));
    write(join(root, dir, 'src', 'nested', 'deep.ts'), 'export {};', at(0));
    write(join(root, dir, 'dist', 'index.js'), 'export {};', at(10));
  };
  pkg('apps/app', {
    name: 'app',
    dependencies: { lib: 'workspace:*', zod: '^4' },
    devDependencies: { tool: 'workspace:*' },
  });
  pkg('packages/lib', { name: 'lib' });
  pkg('packages/tool', { name: 'tool' });
  return root;
}

describe('ensure-built', () => {
  it('a dist newer than every source is current, for the package and its run-time dependencies', async () => {
    const root = workspace();
    expect(staleOf(['app'], root)).toEqual([]);
    // Nothing stale: resolves without running a build (there is no pnpm workspace here to run).
    await expect(ensureBuilt(['app'], { root, log: () => undefined })).resolves.toEqual([]);
  });

  it('a source saved after the build, however deep, makes that package stale', () => {
    const root = workspace();
    write(join(root, 'packages/lib/src/nested/deep.ts'), 'export const x = 1;', at(20));
    expect(staleOf(['app'], root)).toEqual([
      { name: 'lib', reason: 'packages/lib/src changed after packages/lib/dist was built' },
    ]);
  });

  it('a devDependency is not loaded at run time, so its sources do not count', () => {
    const root = workspace();
    write(join(root, 'packages/tool/src/index.ts'), 'export const y = 2;', at(20));
    expect(staleOf(['app'], root)).toEqual([]);
  });

  it('a missing dist, a changed package.json or tsconfig.base.json each call for a build', () => {
    const root = workspace();
    rmSync(join(root, 'apps/app/dist'), { recursive: true });
    expect(staleOf(['app'], root)).toEqual([{ name: 'app', reason: 'apps/app/dist is missing' }]);
    const other = workspace();
    write(join(other, 'packages/lib/package.json'), JSON.stringify({ name: 'lib', type: 'module' }), at(20));
    expect(staleOf(['app'], other).map((p) => p.name)).toEqual(['lib']);
    write(join(other, 'tsconfig.base.json'), '{"compilerOptions":{}}', at(30));
    expect(staleOf(['app'], other).map((p) => p.name)).toEqual(['app', 'lib']);
  });

  it('a build stamp newer than the sources counts as built (turbo leaves dist alone on a cache hit)', () => {
    const root = workspace();
    write(join(root, 'packages/lib/src/index.ts'), 'export {};', at(20));
    write(join(root, 'packages/lib/dist/.built-at'), '', at(25));
    expect(staleOf(['app'], root)).toEqual([]);
  });

  it('takes over the lock of a build that died, and releases its own when the build fails', async () => {
    const root = workspace();
    rmSync(join(root, 'apps/app/dist'), { recursive: true });
    const lock = join(root, 'node_modules', '.cache', 'ensure-built.lock');
    mkdirSync(lock, { recursive: true });
    // The pid of a process that has exited: its lock is abandoned.
    writeFileSync(join(lock, 'pid'), String(spawnSync(process.execPath, ['-e', '0']).pid));
    const lines: string[] = [];
    // No turbo workspace here, so the build fails, and dist/ is still missing: that is an error.
    await expect(ensureBuilt(['app'], { root, log: (line) => lines.push(line) })).rejects.toThrow(
      /ensure-built: .*(build failed|could not run turbo)/,
    );
    expect(lines[0]).toBe('Building first: apps/app/dist is missing.');
    expect(existsSync(lock)).toBe(false);
  });

  it('names an unknown package', () => {
    expect(() => staleOf(['nope'], workspace())).toThrow('no workspace package named nope');
  });
});
