import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/db-handle.ts';
import { compiledOnce } from '../src/repositories/compiled-once.ts';
import { openTestSqlite, recordingMssqlHandle, type TestDatabase } from '../src/testing/index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestSqlite();
  const now = new Date('2026-01-01T00:00:00Z');
  await db.db
    .insertInto('ResultCache')
    .values(
      ['a', 'b'].map((sha) => ({
        CompanyID: 'NT047',
        FileSha256: sha,
        ResultJson: `{"${sha}":1}`,
        ResultBytes: 8,
        RequestID: null,
        CreatedAt: now,
        ExpiresAt: new Date('2026-06-01T00:00:00Z'),
      })),
    )
    .execute();
});
afterAll(async () => {
  await db.dispose();
});

describe('a statement compiled once', () => {
  let builds = 0;
  const find = compiledOnce(
    (handle, v: { company: string; sha: string; after: Date; requestId?: string | null | undefined }) => {
      builds += 1;
      return handle.db
        .selectFrom('ResultCache')
        .select(['FileSha256', 'ResultJson'])
        .where('CompanyID', '=', v.company)
        .where('FileSha256', '=', v.sha)
        .where('ExpiresAt', '>', v.after)
        .where('CreatedAt', '<', v.after)
        .$if(v.requestId !== undefined, (q) => q.where('RequestID', 'is', null));
    },
  );

  it('runs with each call’s values, a value used twice included, and is built once per shape', async () => {
    const at = new Date('2026-03-01T00:00:00Z');
    expect((await find(db, { company: 'NT047', sha: 'a', after: at })).rows).toEqual([
      { FileSha256: 'a', ResultJson: '{"a":1}' },
    ]);
    expect((await find(db, { company: 'NT047', sha: 'b', after: at })).rows).toEqual([
      { FileSha256: 'b', ResultJson: '{"b":1}' },
    ]);
    expect((await find(db, { company: 'OTHER', sha: 'b', after: at })).rows).toEqual([]);
    // The same Date twice: after the expiry it matches nothing.
    expect((await find(db, { company: 'NT047', sha: 'a', after: new Date('2027-01-01Z') })).rows).toEqual([]);
    expect(builds).toBe(1);
    // A value left undefined is another shape; a defined one (null too) a parameter of it.
    expect((await find(db, { company: 'NT047', sha: 'a', after: at, requestId: null })).rows).toHaveLength(1);
    expect(builds).toBe(2);
    expect((await find(db, { company: 'NT047', sha: 'a', after: at, requestId: 'x' })).rows).toHaveLength(1);
    expect(builds).toBe(2);
  });

  it('refuses a builder that turns a value into SQL text, rather than baking the first call’s value in', async () => {
    const bad = compiledOnce((handle, v: { table: string }) =>
      handle.db
        .selectFrom('ResultCache')
        .select('CacheID')
        .where(sql.raw(`${v.table}`), '=', 1),
    );
    await expect(bad(db, { table: 'CacheID' })).rejects.toThrow('a value was used as SQL text');
  });

  it('runs inside the caller’s transaction, and per engine and schema names', async () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const rows = await inTransaction(
      db,
      async (trx) => (await find(trx, { company: 'NT047', sha: 'a', after: at })).rows,
    );
    expect(rows).toHaveLength(1);
    const before = builds;
    const mssql = recordingMssqlHandle({ schema: 'igw', tokenSchema: 'igw' });
    await find(mssql, { company: 'NT047', sha: 'a', after: at });
    await find(mssql, { company: 'NT047', sha: 'b', after: at });
    expect(builds).toBe(before + 1);
    expect(mssql.queries.map((q) => q.sql)).toEqual([
      'select "FileSha256", "ResultJson" from "igw"."ResultCache" where "CompanyID" = @1 and "FileSha256" = @2 and "ExpiresAt" > @3 and "CreatedAt" < @4',
      'select "FileSha256", "ResultJson" from "igw"."ResultCache" where "CompanyID" = @1 and "FileSha256" = @2 and "ExpiresAt" > @3 and "CreatedAt" < @4',
    ]);
    expect(mssql.queries.map((q) => q.parameters)).toEqual([
      ['NT047', 'a', at, at],
      ['NT047', 'b', at, at],
    ]);
  });
});
