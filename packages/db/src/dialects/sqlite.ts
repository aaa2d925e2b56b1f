import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';

/** Waits this long for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 15_000;
const STATEMENT_CACHE_SIZE = 256;

/**
 * Opens (and creates) the embedded database: WAL so readers never block the writer, a busy
 * timeout so several processes can share the file, and foreign keys on.
 */
export function createSqliteDialect(filename: string): SqliteDialect {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const raw = new BetterSqlite3(filename);
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (filename !== ':memory:') raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  return new SqliteDialect({ database: wrapDatabase(raw, fileGuard(filename)) });
}

/** The file's identity at open; a check that throws once the path no longer names that file. */
function fileGuard(filename: string): () => void {
  if (filename === ':memory:') return () => {};
  const opened = statSync(filename);
  let checkedAt = 0;
  return () => {
    // A stat at most twice a second: cheap, and soon enough for health and the next request.
    const now = Date.now();
    if (now - checkedAt < 500) return;
    const current = statSync(filename, { throwIfNoEntry: false });
    if (current && current.ino === opened.ino && current.dev === opened.dev) {
      checkedAt = now;
      return;
    }
    // The open handle still works on the unlinked file, so without this every write would
    // "succeed" into a file nobody will ever open again.
    throw new SqliteFileLost(filename, current ? 'replaced by another file' : 'deleted');
  };
}

/** The database file was deleted or replaced while the service had it open. */
export class SqliteFileLost extends Error {
  readonly code = 'SQLITE_FILE_LOST';
  constructor(filename: string, what: string) {
    super(
      `The SQLite file ${filename} was ${what} while open: nothing written now would be kept. Restore the file (or start on a new one) and restart the service.`,
    );
    this.name = 'SqliteError';
  }
}

/**
 * better-sqlite3 binds neither Date nor boolean; the schema stores ISO-8601 text and 0/1,
 * so parameters are converted here, once, for every query. Prepared statements are cached
 * because Kysely prepares on every execution.
 */
function wrapDatabase(raw: BetterSqlite3.Database, guard: () => void): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(text: string): SqliteStatement {
      // Kysely opens transactions with a plain BEGIN, which takes the write lock only at the first
      // write and then fails at once (no busy wait) if another process wrote in between. IMMEDIATE
      // takes it up front, so concurrent processes queue on the busy timeout instead.
      const sql = text === 'begin' ? 'begin immediate' : text;
      const hit = cache.get(sql);
      if (hit) return hit;
      if (sql !== 'rollback') guard();
      const stmt = raw.prepare(sql);
      const wrapped: SqliteStatement = {
        reader: stmt.reader,
        all: (params) => {
          guard();
          return stmt.all(...toSqliteParams(params));
        },
        run: (params) => {
          // SQLite rolls a transaction back by itself on some errors (full disk, read-only
          // file, I/O): a second ROLLBACK would then fail and hide the error that caused it.
          // A rollback always runs (never guarded), so a lost file cannot leave a transaction open.
          if (sql === 'rollback') return raw.inTransaction ? stmt.run() : { changes: 0, lastInsertRowid: 0 };
          guard();
          return stmt.run(...toSqliteParams(params));
        },
        iterate: (params) => {
          guard();
          return stmt.iterate(...toSqliteParams(params));
        },
      };
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, wrapped);
      return wrapped;
    },
  };
}

function toSqliteParams(params: ReadonlyArray<unknown>): unknown[] {
  return params.map((p) => {
    if (p instanceof Date) return p.toISOString();
    if (typeof p === 'boolean') return p ? 1 : 0;
    return p;
  });
}
