#!/usr/bin/env node
// `node scripts/ensure-built.mjs <package>... [-- <entry.js> <args>...]`: builds the packages (and
// the workspace packages they load at run time) when a dist/ is missing or older than what it is
// built from, then runs the entry, so `pnpm start`, `pnpm demo` and `pnpm ocr-ops` never run stale
// JavaScript. Plain JS on purpose: it runs before anything is built. A fresh tree costs a walk of
// file times (tens of ms); `turbo run build`, even all cache hits, costs seconds (pnpm and turbo
// starting), so it runs only when something changed.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKSPACE_DIRS = ['apps', 'packages', 'bench'];
/** Besides src/: a change here changes what tsc emits. */
const INPUT_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
/**
 * Written after a build this script ran. turbo leaves dist/ untouched on a cache hit (a source
 * saved without a change, a branch switched back), so dist/'s own times alone would call it
 * stale forever.
 */
const STAMP = join('dist', '.built-at');

/** Every workspace package by name: its folder and its package.json. */
export function workspacePackages(root = ROOT) {
  const found = new Map();
  for (const group of WORKSPACE_DIRS) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    const dirs = group === 'bench' ? [base] : readdirSync(base).map((d) => join(base, d));
    for (const dir of dirs) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      found.set(manifest.name, { dir, manifest });
    }
  }
  return found;
}

/** The packages and the workspace packages they import at run time (dependencies, not devDependencies). */
export function runtimeClosure(names, packages = workspacePackages()) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const pkg = packages.get(name);
    if (!pkg) throw new Error(`ensure-built: no workspace package named ${name}`);
    seen.add(name);
    for (const [dep, range] of Object.entries(pkg.manifest.dependencies ?? {}))
      if (String(range).startsWith('workspace:')) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen];
}

/** The newest file modification time under `dir` (ms); undefined when it holds no file. */
function mtimes(dir) {
  let newest;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const t = statSync(path).mtimeMs;
        newest = newest === undefined ? t : Math.max(newest, t);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { newest };
}

/**
 * Why a package needs building, or undefined when its dist/ is current: dist/ is missing, or a
 * source (or its package.json/tsconfig, or the shared tsconfig.base.json) changed after dist/
 * was last written (tsc rewrites every output, so its newest file is the last build) or stamped.
 */
export function staleReason({ dir }, root = ROOT) {
  const dist = join(dir, 'dist');
  const where = relative(root, dir);
  if (!existsSync(dist) || readdirSync(dist).every((name) => join('dist', name) === STAMP))
    return `${where}/dist is missing`;
  const built = mtimes(dist).newest;
  const inputs = [mtimes(join(dir, 'src')).newest ?? 0];
  for (const file of INPUT_FILES)
    if (existsSync(join(dir, file))) inputs.push(statSync(join(dir, file)).mtimeMs);
  const base = join(root, 'tsconfig.base.json');
  if (existsSync(base)) inputs.push(statSync(base).mtimeMs);
  return Math.max(...inputs) > built ? `${where}/src changed after ${where}/dist was built` : undefined;
}

/** The packages among `names` (with their run-time dependencies) whose dist/ is stale. */
export function staleOf(names, root = ROOT) {
  const packages = workspacePackages(root);
  return runtimeClosure(names, packages)
    .map((name) => ({ name, reason: staleReason(packages.get(name), root) }))
    .filter((p) => p.reason);
}

/**
 * One build at a time per checkout: parallel test files (or two terminals) would otherwise run
 * tsc over the same dist/ at once. The lock is a directory (mkdir is atomic) holding the owner's
 * pid; a lock whose owner has died is taken over.
 */
async function withBuildLock(root, run) {
  const lock = join(root, 'node_modules', '.cache', 'ensure-built.lock');
  const owner = join(lock, 'pid');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (!lockHeld(lock, owner)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await run();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockHeld(lock, owner) {
  const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : NaN);
  // No pid yet: its owner is between mkdir and the write, unless that was long ago.
  if (!Number.isInteger(pid))
    return Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Builds `names` when stale. Progress goes to stderr, so a command's stdout (`ocr-ops --json …
 * | jq`) stays clean. Throws when a dist/ is still missing after the build.
 */
export async function ensureBuilt(
  names,
  { root = ROOT, log = (line) => process.stderr.write(`${line}\n`) } = {},
) {
  if (staleOf(names, root).length === 0) return [];
  return withBuildLock(root, () => {
    // Another process may have built it while this one waited for the lock.
    const stale = staleOf(names, root);
    if (stale.length === 0) return [];
    log(`Building first: ${stale.map((p) => p.reason).join('; ')}.`);
    const filters = names.map((name) => `--filter=${name}...`);
    // The stamp carries the build's start: a source saved while tsc runs is stale next time.
    const started = new Date();
    // turbo from the root's node_modules (pnpm install put it there); its cache makes the
    // packages nobody changed a no-op.
    const turbo = join(root, 'node_modules', '.bin', 'turbo');
    const result = spawnSync(
      existsSync(turbo) ? turbo : 'turbo',
      // --continue: tsc still emits past a type error, so one package's error stops nothing else.
      ['run', 'build', ...filters, '--output-logs=errors-only', '--continue'],
      { cwd: root, stdio: ['ignore', process.stderr, process.stderr] },
    );
    if (result.error)
      throw new Error(`ensure-built: could not run turbo (${result.error.message}); run pnpm install`);
    if (result.status !== 0) {
      // tsc emits past a type error (as tsx, which never type-checks, ran such code before), so a
      // failed build usually still left every file: say so loudly and go on, unless a dist/ is
      // missing altogether. No stamp: the next start tries again.
      const missing = staleOf(names, root).filter((p) => p.reason.endsWith('dist is missing'));
      if (missing.length)
        throw new Error(
          `ensure-built: the build failed (exit ${result.status}; see above): ${missing.map((p) => p.reason).join('; ')}`,
        );
      log(
        `ensure-built: the build failed (exit ${result.status}; errors above); running the dist/ it left, which may lag the sources. \`pnpm build\` shows the errors again.`,
      );
      return stale.map((p) => p.name);
    }
    const packages = workspacePackages(root);
    for (const name of runtimeClosure(names, packages)) {
      const stamp = join(packages.get(name).dir, STAMP);
      if (!existsSync(dirname(stamp))) continue;
      writeFileSync(stamp, `${started.toISOString()}\n`);
      utimesSync(stamp, started, started);
    }
    return stale.map((p) => p.name);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `ensure-built.mjs <package>... [-- <entry.js> <args>...]`: with an entry, it then runs in this
  // process (no second Node start, and a SIGTERM sent to pnpm's child reaches the service itself).
  const argv = process.argv.slice(2);
  const split = argv.indexOf('--');
  const names = split === -1 ? argv : argv.slice(0, split);
  const [entry, ...args] = split === -1 ? [] : argv.slice(split + 1);
  if (names.length === 0) {
    process.stderr.write(
      'usage: node scripts/ensure-built.mjs <workspace package>... [-- <entry.js> <args>...]\n',
    );
    process.exit(2);
  }
  try {
    await ensureBuilt(names);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (entry) {
    const file = resolve(entry);
    process.argv = [process.argv[0], file, ...args];
    await import(pathToFileURL(file).href);
  }
}
