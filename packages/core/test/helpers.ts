import { randomBytes } from 'node:crypto';
import { openTestSqlite, type TestDatabase } from '@invoicegw/db/testing';
import type { CoreDeps } from '../src/core-deps.ts';
import { type LedgerOptions, ledgerOptions } from '../src/ledger/ledger-options.ts';
import { createMemoryLogger, type LogRecord } from '../src/logging/logger.ts';
import { createKeyVault } from '../src/vault/key-vault.ts';

/** Obviously fake keys in the shape of Gemini's, so the hint and hash code paths are real. */
export function fakeKey(label: string): string {
  return `AIzaFAKE-${label}-${'x'.repeat(Math.max(0, 26 - label.length))}`;
}

export interface TestCore extends CoreDeps {
  database: TestDatabase & { filename: string };
  records: LogRecord[];
  /** Moves the test clock. */
  advance(ms: number): void;
  dispose(): Promise<void>;
}

/** A migrated SQLite file, a vault with a random master key, a memory logger and a settable clock. */
export async function createTestCore(options: Partial<LedgerOptions> = {}): Promise<TestCore> {
  const database = await openTestSqlite();
  const logger = createMemoryLogger();
  let offset = 0;
  return {
    database,
    db: database,
    vault: createKeyVault({ current: randomBytes(32), previous: [] }),
    logger,
    records: logger.records,
    now: () => new Date(Date.now() + offset),
    ledger: ledgerOptions({ instanceId: 'test', ...options }),
    advance(ms) {
      offset += ms;
    },
    dispose: () => database.dispose(),
  };
}

export const OPS = { actor: 'ops@example.test', reason: 'test' };

/** A usage report that is all prompt tokens: the simplest charge of `total`. */
export function promptOnlyUsage(total: number) {
  return {
    promptTokens: total,
    candidatesTokens: 0,
    thoughtsTokens: 0,
    cachedTokens: 0,
    totalTokens: total,
    textPromptTokens: total,
    imagePromptTokens: 0,
    documentPromptTokens: 0,
    textCandidatesTokens: 0,
  };
}
