import { Kysely } from 'kysely';
import { DEFAULT_SCHEMAS } from '../config/database-config.ts';
import type { DbHandle } from '../db-handle.ts';
import { createSqliteDialect } from '../dialects/sqlite.ts';
import type { Database } from '../schema/database.ts';

/** What a piece of work sent to SQLite, as the driver saw it (BEGIN and COMMIT included). */
export interface StatementTally {
  /** Every statement, transaction control included, in order. */
  statements: string[];
  /** Explicit transactions (BEGIN … COMMIT/ROLLBACK). */
  transactions: number;
  /** Statements that are not transaction control. */
  queries: number;
  /** INSERT / UPDATE / DELETE outside any explicit transaction: each its own implicit one. */
  autocommitWrites: number;
}

/**
 * A second handle on an existing SQLite file (the real dialect: WAL, Date binding, statement
 * cache) that records every statement it runs: how tests count a request's statements.
 */
export function countingSqliteHandle(filename: string): DbHandle & {
  tally(): StatementTally;
  clear(): void;
  close(): Promise<void>;
} {
  let seen: string[] = [];
  const db = new Kysely<Database>({
    dialect: createSqliteDialect(filename),
    log: (event) => {
      seen.push(event.query.sql);
    },
  });
  return {
    db,
    kind: 'sqlite',
    schemas: DEFAULT_SCHEMAS,
    tally: () => tallyOf(seen),
    clear: () => {
      seen = [];
    },
    close: () => db.destroy(),
  };
}

const CONTROL = /^(begin|commit|rollback|savepoint|release)\b/i;
const WRITE = /^(insert|update|delete)\b/i;

export function tallyOf(statements: readonly string[]): StatementTally {
  let transactions = 0;
  let autocommitWrites = 0;
  let open = false;
  for (const s of statements) {
    if (/^begin\b/i.test(s)) {
      transactions += 1;
      open = true;
    } else if (/^(commit|rollback)\b/i.test(s)) open = false;
    else if (!open && WRITE.test(s)) autocommitWrites += 1;
  }
  return {
    statements: [...statements],
    transactions,
    queries: statements.filter((s) => !CONTROL.test(s)).length,
    autocommitWrites,
  };
}
