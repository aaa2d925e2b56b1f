import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/migrations/index.ts';
import { migrate } from '../src/migrations/migrate.ts';
import { openDatabase } from '../src/open-database.ts';
import { openTestSqlite, type TestDatabase } from '../src/testing/index.ts';

const opened: TestDatabase[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.dispose();
});

async function fresh() {
  const db = await openTestSqlite();
  opened.push(db);
  return db;
}

async function sqliteObjects(db: TestDatabase, type: 'table' | 'view' | 'index'): Promise<string[]> {
  const rows = await sql<{
    name: string;
  }>`select name from sqlite_master where type = ${type} and name not like 'sqlite_%' order by name`.execute(
    db.db,
  );
  return rows.rows.map((r) => r.name);
}

describe('migrate on an embedded SQLite file', () => {
  it('creates every table, index and view of the checklist', async () => {
    const db = await fresh();
    expect(await sqliteObjects(db, 'table')).toEqual([
      'AlertDeliveries',
      'AlertOutbox',
      'AlertSubscriptions',
      'ApplicationLogs',
      'AuditLog',
      'ClientKeys',
      'GatewaySettings',
      'IdempotencyKeys',
      'ResultCache',
      'RetryAttempts',
      'SchemaMigrations',
      'TokenBudgetWindows',
      'TokenMaster',
      'TokenReservations',
      'TokenUsageArchive',
      'TokenUsageLogs',
      'TokenUsageSummary',
    ]);
    expect(await sqliteObjects(db, 'view')).toEqual([
      'vw_FailedRetries',
      'vw_RecentErrors',
      'vw_TokenStatus',
      'vw_UsageSummary',
    ]);
    expect(await sqliteObjects(db, 'index')).toContain('UX_TokenMaster_KeyHash');
    const applied = await db.db.selectFrom('SchemaMigrations').select('MigrationID').execute();
    expect(applied.map((r) => r.MigrationID)).toEqual([
      '0001-baseline',
      '0002-client-keys',
      '0003-upgrade-fixes',
      '0004-shared-cache',
      '0005-presumed-charges',
      '0006-budget-windows',
      '0007-alert-outbox',
      '0008-key-verification',
      '0009-retention',
    ]);
  });

  it('is a no-op the second time, and a restart on the same file keeps every row', async () => {
    const db = await fresh();
    await db.db
      .insertInto('TokenMaster')
      .values({ CompanyID: 'NT047', CompanyName: 'RUBI TRADERS Pvt ltd', ApiKey: 'fake-key-for-tests-only' })
      .execute();
    expect(await migrate(db)).toEqual({ applied: [] });

    const again = await openDatabase({ kind: 'sqlite', filename: db.filename });
    try {
      expect(await migrate(again)).toEqual({ applied: [] });
      const rows = await again.db
        .selectFrom('TokenMaster')
        .select(['CompanyID', 'Provider', 'TotalTokenLimit', 'Status'])
        .execute();
      expect(rows).toEqual([
        { CompanyID: 'NT047', Provider: 'Gemini', TotalTokenLimit: 100000, Status: 'Active' },
      ]);
    } finally {
      await again.close();
    }
  });

  it('turns on WAL and foreign keys', async () => {
    const db = await fresh();
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.db);
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db.db);
    expect(journal.rows[0]?.journal_mode).toBe('wal');
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    await expect(
      db.db.insertInto('TokenUsageSummary').values({ TokenID: 999, LastUpdated: new Date() }).execute(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });

  it('lets four processes start on one new file at once: one migrates, none fails', async () => {
    const db = await fresh();
    const filename = `${db.filename}.shared`;
    const script = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(
              process.execPath,
              ['--conditions=source', '--import', 'tsx', script, filename],
              {
                stdio: ['ignore', 'pipe', 'pipe'],
              },
            );
            let out = '';
            child.stdout.on('data', (d) => {
              out += d;
            });
            child.stderr.on('data', (d) => {
              out += d;
            });
            child.on('close', (code) => resolve({ code, out }));
          }),
      ),
    );
    for (const run of runs) expect(run.code, run.out).toBe(0);
    const appliedBy = runs.map((r) => JSON.parse(r.out.trim().split('\n').at(-1)!) as string[]);
    expect(appliedBy.filter((a) => a.length > 0)).toEqual([
      [
        '0001-baseline',
        '0002-client-keys',
        '0003-upgrade-fixes',
        '0004-shared-cache',
        '0005-presumed-charges',
        '0006-budget-windows',
        '0007-alert-outbox',
        '0008-key-verification',
        '0009-retention',
      ],
    ]);
    const check = await openDatabase({ kind: 'sqlite', filename });
    try {
      const rows = await check.db.selectFrom('SchemaMigrations').selectAll().execute();
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      await check.close();
    }
  }, 60_000);
});
