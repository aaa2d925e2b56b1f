import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../env.ts';

/**
 * Where big uploads wait on disk while they arrive: `<base>/<pid>-<host>-<random>/` (mode 0700),
 * one unguessable file per upload (mode 0600). The pid and host in the name let a later start
 * remove what a crashed process on this host left, without touching the directory of a live
 * instance, nor one of another host (or container) sharing the directory, whose pids we cannot see.
 */
export class UploadSpool {
  private constructor(
    /** This process's own directory. */
    readonly dir: string,
    /** Files larger than this go to disk; smaller ones stay in memory. */
    readonly thresholdBytes: number,
  ) {}

  /** The default base: per user, so two accounts on one machine never share (or fight over) it. */
  static defaultBase(): string {
    return join(tmpdir(), `invoicegw-uploads-${safeUser()}`);
  }

  /**
   * Creates (or checks) the base, sweeps stale process directories, and makes this process's.
   * A base that is not a private directory of ours is refused: spooled invoices would be readable.
   */
  static open(options: { baseDir?: string | undefined; thresholdBytes: number }): {
    spool: UploadSpool;
    swept: string[];
  } {
    const base = options.baseDir ?? UploadSpool.defaultBase();
    try {
      mkdirSync(base, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ConfigError(
        `UPLOAD_SPOOL_DIR ${base} cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'}): set UPLOAD_SPOOL_DIR to a directory this user may create`,
      );
    }
    checkPrivate(base);
    const swept = sweepStale(base);
    const dir = mkdtempSync(join(base, processDirPrefix()));
    OPEN_HERE.add(dir);
    return { spool: new UploadSpool(dir, options.thresholdBytes), swept };
  }

  /** A new, empty spool file opened for writing only by us; the name is 128 random bits. */
  async create(): Promise<{ path: string; handle: FileHandle }> {
    const path = join(this.dir, `${randomBytes(16).toString('hex')}.part`);
    const handle = await open(path, 'wx', 0o600);
    return { path, handle };
  }

  /** Removes this process's directory and whatever is still in it (shutdown). */
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    OPEN_HERE.delete(this.dir);
  }
}

/**
 * The directories servers in this process have open (tests run several): a directory under our
 * own pid that is not here was left by an earlier process that had the same pid (pid 1 in a container).
 */
const OPEN_HERE = new Set<string>();

/** `<pid>-<host tag>-`: what this process's spool directory name starts with (mkdtemp adds 6 characters). */
export function processDirPrefix(pid: number = process.pid): string {
  return `${pid}-${HOST_TAG}-`;
}

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

function safeUser(): string {
  const uid = process.getuid?.();
  if (uid !== undefined) return String(uid);
  try {
    return userInfo().username.replace(/[^\w.-]/g, '_') || 'user';
  } catch {
    return 'user';
  }
}

function checkPrivate(base: string): void {
  const st = lstatSync(base);
  const uid = process.getuid?.();
  const problem = !st.isDirectory()
    ? 'is not a directory (or is a symbolic link)'
    : uid !== undefined && st.uid !== uid
      ? 'belongs to another user'
      : process.platform !== 'win32' && (st.mode & 0o077) !== 0
        ? 'is readable or writable by other users (chmod 700 it)'
        : undefined;
  if (problem)
    throw new ConfigError(
      `UPLOAD_SPOOL_DIR ${base} ${problem}: set UPLOAD_SPOOL_DIR to a private directory of this user`,
    );
}

/** This host's `<pid>-<host>-<suffix>` directories whose process is gone; anything else is left alone. */
function sweepStale(base: string): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(base)) {
    const m = /^(\d+)-([0-9a-f]{8})-[A-Za-z0-9]{6}$/.exec(name);
    if (!m || m[2] !== HOST_TAG) continue;
    const pid = Number(m[1]);
    const path = join(base, name);
    if (pid === process.pid ? OPEN_HERE.has(path) : alive(pid)) continue;
    rmSync(path, { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user; only ESRCH means gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
