import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CompiledQuery, Kysely, MssqlAdapter, MssqlQueryCompiler, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import type { SchemaNames } from '../config/database-config.ts';
import { parseDatabaseUrl } from '../config/database-url.ts';
import type { DbHandle, DbKind, OpenDatabase } from '../db-handle.ts';
import { dbPlugins } from '../db-plugins.ts';
import { migrate } from '../migrations/migrate.ts';
import { RESET_ORDER } from '../migrations/render-tsql.ts';
import { openDatabase } from '../open-database.ts';
import type { Database } from '../schema/database.ts';
import { TOKEN_TABLES, VIEW_NAMES } from '../schema/database.ts';

export { countingSqliteHandle, type StatementTally, tallyOf } from './statement-log.ts';

/** A migrated database for one test file, and how to get rid of it. */
export interface TestDatabase extends OpenDatabase {
  /** Empties every table (the checklist's reset), keeping the schema. */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

export interface TestDialect {
  readonly kind: DbKind;
  /** False when the engine is not reachable here (SQL Server without MSSQL_TEST_URL). */
  readonly available: boolean;
  /** Set for a second run of one engine on another table layout. */
  readonly layout?: string;
  open(): Promise<TestDatabase>;
}

/** A fresh SQLite file in a temp folder, migrated. */
export async function openTestSqlite(): Promise<TestDatabase & { filename: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'igw-db-'));
  const filename = join(dir, 'test.sqlite');
  const handle = await openDatabase({ kind: 'sqlite', filename });
  await migrate(handle);
  return {
    ...handle,
    filename,
    reset: () => resetTables(handle),
    async dispose() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * SQL Server from MSSQL_TEST_URL, in a schema of its own so runs never collide. `split` puts the
 * token tables in a second schema, as the old service's [docUpload] layout does.
 */
async function openTestMssql(url: string, split: boolean): Promise<TestDatabase> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const schema = `igw_test_${suffix}`;
  const schemas: SchemaNames = { schema, tokenSchema: split ? `${schema}_tok` : schema };
  const handle = await openDatabase(parseDatabaseUrl(url), schemas);
  await migrate(handle);
  return {
    ...handle,
    reset: () => resetTables(handle),
    async dispose() {
      for (const view of VIEW_NAMES) await handle.db.schema.dropView(view).ifExists().execute();
      if (split) {
        // The compatibility views the split layout gets in the default schema.
        for (const table of TOKEN_TABLES)
          await sql`drop view if exists ${sql.id(schema, table)}`.execute(handle.db);
      }
      for (const table of [...RESET_ORDER, 'SchemaMigrations'] as const) {
        await handle.db.schema.dropTable(table).ifExists().execute();
      }
      for (const name of new Set([schemas.tokenSchema, schemas.schema]))
        await sql`drop schema ${sql.id(name)}`.execute(handle.db);
      await handle.close();
    },
  };
}

async function resetTables(handle: DbHandle): Promise<void> {
  for (const table of RESET_ORDER) await handle.db.deleteFrom(table).execute();
}

/**
 * The engines every contract suite runs on: SQLite always; SQL Server when MSSQL_TEST_URL is set,
 * once with every table in one schema and once with the token tables in their own (old layout).
 */
export function testDialects(env: NodeJS.ProcessEnv = process.env): TestDialect[] {
  const mssqlUrl = env.MSSQL_TEST_URL?.trim();
  return [
    { kind: 'sqlite', available: true, open: openTestSqlite },
    { kind: 'mssql', available: Boolean(mssqlUrl), open: () => openTestMssql(mssqlUrl!, false) },
    {
      kind: 'mssql',
      layout: 'token tables in their own schema',
      available: Boolean(mssqlUrl),
      open: () => openTestMssql(mssqlUrl!, true),
    },
  ];
}

/**
 * A handle whose statements are compiled for SQL Server and recorded, never sent: how tests
 * see every statement a data-access function would send to SQL Server. `rowsFor` answers a
 * statement with rows (none by default), so a function can be followed past a statement whose
 * result decides what it sends next.
 */
export function recordingMssqlHandle(
  schemas: SchemaNames = { schema: 'dbo', tokenSchema: 'dbo' },
  rowsFor: (query: CompiledQuery) => unknown[] = () => [],
): DbHandle & {
  readonly queries: CompiledQuery[];
} {
  const queries: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new MssqlAdapter(),
      createDriver: () => ({
        init: async () => {},
        acquireConnection: async () => ({
          executeQuery: async (query: CompiledQuery) => {
            queries.push(query);
            return { rows: rowsFor(query) as never[] };
          },
          // biome-ignore lint/correctness/useYield: never streams
          streamQuery: async function* () {
            throw new Error('not supported');
          },
        }),
        beginTransaction: async () => {},
        commitTransaction: async () => {},
        rollbackTransaction: async () => {},
        releaseConnection: async () => {},
        destroy: async () => {},
      }),
      createIntrospector: () => {
        throw new Error('not supported');
      },
      createQueryCompiler: () => new MssqlQueryCompiler(),
    },
    plugins: dbPlugins('mssql', schemas),
  });
  return { db, kind: 'mssql', schemas, queries };
}

/**
 * Declares a contract suite once and runs it on every engine: SQLite always, SQL Server when
 * MSSQL_TEST_URL is set (otherwise the suite is reported as skipped, with the reason).
 */
export function describeContract(name: string, suite: (db: () => TestDatabase) => void): void {
  for (const dialect of testDialects()) {
    const engine = dialect.layout ? `${dialect.kind} (${dialect.layout})` : dialect.kind;
    const title = dialect.available
      ? `${engine}: ${name}`
      : `${engine}: ${name} (skipped: set MSSQL_TEST_URL to run it against SQL Server)`;
    describe.skipIf(!dialect.available)(title, () => {
      let current: TestDatabase | undefined;
      beforeAll(async () => {
        current = await dialect.open();
      });
      afterAll(async () => {
        await current?.dispose();
      });
      beforeEach(async () => {
        await current?.reset();
      });
      suite(() => {
        if (!current) throw new Error('contract database not open');
        return current;
      });
    });
  }
}
