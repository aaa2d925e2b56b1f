import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createColdDb } from '../src/dialects/cold.ts';
import { MIGRATIONS } from '../src/migrations/index.ts';
import type { MigrationContext } from '../src/migrations/migration.ts';
import {
  LEGACY_LAYOUT,
  renderResetScript,
  renderSetupScript,
  STANDARD_LAYOUT,
} from '../src/migrations/render-tsql.ts';
import { findTsqlProblems } from './tsql-guard.ts';

const sqlDir = fileURLToPath(new URL('../../../sql/', import.meta.url));

function migrationStatements(layout: typeof STANDARD_LAYOUT): CompiledQuery[] {
  const ctx: MigrationContext = { db: createColdDb('mssql', layout), kind: 'mssql', schemas: layout };
  return MIGRATIONS.flatMap((m) => m.steps(ctx).map((s) => s.compile()));
}

describe('SQL Server DDL, checked offline', () => {
  it('sql/setup_database.sql is generated from the migrations and up to date (run pnpm sql:generate)', () => {
    expect(readFileSync(`${sqlDir}setup_database.sql`, 'utf8')).toBe(renderSetupScript());
  });

  it('sql/reset_test_data.sql is up to date', () => {
    expect(readFileSync(`${sqlDir}reset_test_data.sql`, 'utf8')).toBe(renderResetScript());
  });

  it.each([
    ['standard layout', STANDARD_LAYOUT],
    ['old service layout (docUpload)', LEGACY_LAYOUT],
  ])('every migration statement is T-SQL SQL Server accepts (%s)', (_name, layout) => {
    const statements = migrationStatements(layout);
    expect(statements.length).toBeGreaterThan(100);
    for (const statement of statements) {
      expect(findTsqlProblems(statement.sql), statement.sql).toEqual([]);
      expect(statement.parameters).toEqual([]);
    }
  });

  it('the token tables move with tokenSchema and nothing else does', () => {
    const legacy = migrationStatements(LEGACY_LAYOUT).map((s) => s.sql);
    const creates = legacy
      .filter((s) => /create table/.test(s))
      .map((s) => /create table ("[^"]+"\."[^"]+")/.exec(s)?.[1]);
    expect(creates).toEqual([
      '"dbo"."SchemaMigrations"',
      '"docUpload"."TokenMaster"',
      '"docUpload"."TokenUsageSummary"',
      '"docUpload"."TokenUsageLogs"',
      '"docUpload"."TokenReservations"',
      '"dbo"."AuditLog"',
      '"dbo"."ApplicationLogs"',
      '"dbo"."RetryAttempts"',
      '"dbo"."ClientKeys"',
      '"dbo"."ResultCache"',
      '"dbo"."IdempotencyKeys"',
      '"dbo"."TokenBudgetWindows"',
      '"dbo"."AlertSubscriptions"',
      '"dbo"."AlertOutbox"',
      '"dbo"."AlertDeliveries"',
      '"dbo"."TokenUsageArchive"',
      '"dbo"."GatewaySettings"',
    ]);
  });

  it('the setup script splits into batches SQL Server can run one by one', () => {
    const script = renderSetupScript();
    const batches = script
      .split(/^GO$/m)
      .map((b) => b.trim())
      .filter(Boolean);
    for (const batch of batches) {
      const body = batch.replace(/^--.*$/gm, '').trim();
      if (body === '') continue;
      // CREATE VIEW must open its batch; under a guard it goes through EXEC.
      if (/create view/i.test(body)) expect(body).toMatch(/^(create view|if [\s\S]*exec\(N'create view)/i);
      expect(findTsqlProblems(body), body).toEqual([]);
    }
  });

  it('the reset script has no statement SQL Server or Babelfish would refuse', () => {
    for (const batch of renderResetScript().split(/^GO$/m)) {
      const body = batch.replace(/^--.*$/gm, '').trim();
      if (body !== '') expect(findTsqlProblems(body), body).toEqual([]);
    }
  });
});

describe('the T-SQL guard itself', () => {
  it.each([
    'create table if not exists "t" ("a" int)',
    'create index if not exists "i" on "t" ("a")',
    'select * from "t" limit @1',
    'insert into "t" ("a") values (@1) returning "a"',
    'insert into "t" ("a") values (@1) on conflict do nothing',
    'merge into "t" using "s" on 1 = 1 when matched then delete;',
    'create or alter view "v" as select 1 as "a"',
    'create view "v" as select "a" from "t" order by "a"',
    'update "dbo"."t" as "x" set "a" = 1',
    "select strftime('%Y', 'now')",
    'insert or ignore into "t" values (1)',
    'insert into "t" ("a") output "inserted"."ID" values (@1)',
    'insert into "t" ("a") output inserted.ID values (@1)',
    'update "t" set "a" = 1 output "inserted"."A" as "A", inserted.[B] where "id" = @1',
    'delete from "t" output deleted.[A] as [A], deleted.B where "id" = @1',
    'update "t" set "a" = 1 output inserted.* where "id" = @1',
    'if not exists (select 1 from sys.indexes where name = \'i\' and object_id = object_id(N\'dbo.t\')) create index "i" on "t" ("a")',
    "dbcc checkident (N'dbo.t', reseed, 0)",
  ])('rejects %s', (statement) => {
    expect(findTsqlProblems(statement)).not.toEqual([]);
  });

  it('accepts windowed ORDER BY in a view, INDEXPROPERTY guards, bracket-aliased OUTPUT and DBCC under TRY', () => {
    expect(
      findTsqlProblems(
        'create view "v" as select row_number() over (partition by "a" order by "b" desc) as "rn" from "t"',
      ),
    ).toEqual([]);
    expect(
      findTsqlProblems(
        'if indexproperty(object_id(N\'dbo.t\'), N\'i\', \'IndexID\') is null create index "i" on "t" ("a")',
      ),
    ).toEqual([]);
    expect(
      findTsqlProblems(
        'update "t" set "a" = 1 output inserted.[A] as [A], inserted.[B] as [B] where "id" = @1',
      ),
    ).toEqual([]);
    expect(findTsqlProblems('insert into "t" ("a") output inserted.[ID] as [ID] values (@1)')).toEqual([]);
    expect(
      findTsqlProblems(
        "begin try\n  exec(N'dbcc checkident (N''dbo.t'', reseed, 0)')\nend try\nbegin catch\nend catch",
      ),
    ).toEqual([]);
  });
});
