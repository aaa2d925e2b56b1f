import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db-handle.ts';
import { insertApplicationLogs } from '../src/repositories/application-logs.repository.ts';
import { pingDatabase } from '../src/repositories/monitoring-views.repository.ts';
import { openTestSqlite, type TestDatabase } from '../src/testing/index.ts';

let db: (TestDatabase & { filename: string }) | undefined;
afterEach(async () => {
  await db?.dispose();
  db = undefined;
});

const row = (n: number) => ({
  Timestamp: new Date(),
  LogLevel: 'INFO',
  Logger: 'test',
  Message: `${n} ${'x'.repeat(2000)}`,
});

describe('SQLite failures say what happened', () => {
  it('a full database reports SQLITE_FULL, not the rollback that SQLite already did', async () => {
    db = await openTestSqlite();
    const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db.db);
    await sql.raw(`pragma max_page_count = ${pages.rows[0]!.page_count + 2}`).execute(db.db);
    const failure = await inTransaction(db, async (trx) => {
      for (let i = 0; i < 200; i++) await insertApplicationLogs(trx, [row(i)]);
    }).catch((e: unknown) => e as { code?: string; message: string });
    expect(failure).toMatchObject({ code: 'SQLITE_FULL' });
    expect((failure as Error).message).not.toMatch(/cannot rollback/);
    // The connection is usable again: no transaction was left open.
    await sql.raw('pragma max_page_count = 1073741823').execute(db.db);
    await inTransaction(db, (trx) => insertApplicationLogs(trx, [row(0)]));
  });

  it('a deleted file is noticed: every statement fails with SQLITE_FILE_LOST and its reason', async () => {
    db = await openTestSqlite();
    await pingDatabase(db);
    rmSync(db.filename);
    rmSync(`${db.filename}-wal`, { force: true });
    rmSync(`${db.filename}-shm`, { force: true });
    const deadline = Date.now() + 5000;
    let failure: { code?: string; message: string } | undefined;
    while (!failure && Date.now() < deadline) {
      failure = await pingDatabase(db).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message: string },
      );
      if (!failure) await new Promise((r) => setTimeout(r, 100));
    }
    expect(failure).toMatchObject({ code: 'SQLITE_FILE_LOST' });
    expect(failure?.message).toMatch(/test\.sqlite was deleted while open/);
  });
});
