import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAudit, migrate, type OpenDatabase, openDatabase } from '@invoicegw/db';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LEGACY_DDL, LEGACY_ROWS } from '../../db/test/fixtures/legacy-python-schema.ts';
import { extractInvoice } from '../src/extraction/extract-invoice.ts';
import { ledgerOptions } from '../src/ledger/ledger-options.ts';
import { createMemoryLogger } from '../src/logging/logger.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { rotateToken } from '../src/tokens/rotate-token.ts';
import { createKeyVault } from '../src/vault/key-vault.ts';
import { prepareRollback, ROLLBACK_CONFIRMATION, undoRollback } from '../src/vault/rollback-keys.ts';
import { encryptLegacyKeys, readApiKey } from '../src/vault/stored-key.ts';
import { extractionDeps } from './extraction-helpers.ts';
import type { TestCore } from './helpers.ts';

// The old Python service's own statements (original-python-service.md §3.3, §3.4, §4, §5), as
// it sends them through pyodbc. Adapted for SQLite only where SQLite must differ: no
// [docUpload]. prefix (SQLite has no schemas; on SQL Server the old layout keeps them there),
// and GETDATE() spelled as the ISO-8601 text this database stores times in.
const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
const OLD_SERVICE = {
  activeTokens: `SELECT TokenID, ApiKey, Provider, Status, TotalTokenLimit FROM TokenMaster WHERE CompanyID=? AND Status='Active' ORDER BY CreatedAt DESC`,
  statusesPresent: `SELECT DISTINCT Status FROM TokenMaster WHERE CompanyID=?`,
  insertUsage: `INSERT INTO TokenUsageLogs (TokenID, Branch, RequestedBy, InputTokens, OutputTokens, TextPromptTokens, ImagePromptTokens, TextCandidatesTokens, TotalTokensUsed, RequestCount, LoggedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${NOW})`,
  readSummary: `SELECT TotalUsedTokens, TotalRemainingTokens FROM TokenUsageSummary WHERE TokenID=?`,
  updateSummary: `UPDATE TokenUsageSummary SET TotalUsedTokens = TotalUsedTokens + ?, TotalRemainingTokens = TotalRemainingTokens - ?, LastUpdated = ${NOW} WHERE TokenID = ?`,
  insertLog: `INSERT INTO ApplicationLogs (LogLevel, Logger, Message, Exception, Module, FunctionName, LineNumber) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  insertRetry: `INSERT INTO RetryAttempts (TokenID, CompanyID, Attempt, ErrorMessage, IsRetryable) VALUES (?, ?, ?, ?, ?)`,
};

type OldToken = { TokenID: number; ApiKey: string; Status: string };

/** One /extract of the old service, as far as the database sees it; returns the key it would call Gemini with. */
function oldServiceRequest(filename: string, companyId: string, tokens: number): string | undefined {
  const raw = new BetterSqlite3(filename);
  try {
    const active = raw.prepare(OLD_SERVICE.activeTokens).all(companyId) as OldToken[];
    raw.prepare(OLD_SERVICE.statusesPresent).all(companyId);
    const token = active[0];
    if (!token) return undefined;
    raw.prepare(OLD_SERVICE.insertLog).run('INFO', 'api', 'RECEIVED REQUEST', '', 'api', 'extract', 1);
    raw.prepare(OLD_SERVICE.insertRetry).run(token.TokenID, companyId, 1, 'status_code: 503', 1);
    raw
      .prepare(OLD_SERVICE.insertUsage)
      .run(token.TokenID, 'Default', 'System', tokens - 100, 100, 20, tokens - 120, 100, tokens, 1);
    expect(raw.prepare(OLD_SERVICE.readSummary).get(token.TokenID)).toBeDefined();
    raw.prepare(OLD_SERVICE.updateSummary).run(tokens, tokens, token.TokenID);
    return token.ApiKey;
  } finally {
    raw.close();
  }
}

let emulator: Emulator;
let dir: string;
let filename: string;
let handle: OpenDatabase;
let core: TestCore;
const OPS = { actor: 'dba@example.test', reason: 'rollback drill' };
const PDF = renderInvoicePdf(DEMO_INVOICE, { compress: true });

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'igw-rollback-'));
  filename = join(dir, 'legacy.sqlite');
  const raw = new BetterSqlite3(filename);
  for (const statement of [...LEGACY_DDL, ...LEGACY_ROWS]) raw.exec(statement);
  raw.close();
  handle = await openDatabase({ kind: 'sqlite', filename });
  await migrate(handle);
  const logger = createMemoryLogger();
  core = {
    database: Object.assign(handle, { reset: async () => {}, dispose: async () => {}, filename }),
    db: handle,
    vault: createKeyVault({ current: randomBytes(32), previous: [] }),
    logger,
    records: logger.records,
    now: () => new Date(),
    ledger: ledgerOptions({ instanceId: 'test' }),
    advance() {},
    dispose: async () => {},
  } as TestCore;
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a rollback to the old Python service', () => {
  it('fails as the checklist wrote it once keys are sealed, and works after prepare; undo serves again', async () => {
    await encryptLegacyKeys(core, OPS);
    // The checklist's rollback as written: the old service reads a sealed envelope as its key.
    const sealed = oldServiceRequest(filename, 'NT047', 1000);
    expect(sealed).toBeDefined();
    expect(sealed).not.toBe('legacy-plaintext-key-one');

    await expect(prepareRollback(core, OPS, 'yes')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const prepared = await prepareRollback(core, OPS, ROLLBACK_CONFIRMATION);
    expect(prepared).toEqual({ decrypted: 3, alreadyPlaintext: 0, failed: [] });
    expect(oldServiceRequest(filename, 'NT047', 1000)).toBe('legacy-plaintext-key-one');

    // While prepared, this gateway still serves, and leaves the plaintext as it is.
    expect((await readApiKey(core, 1)).apiKey).toBe('legacy-plaintext-key-one');
    expect(oldServiceRequest(filename, 'NT047', 500)).toBe('legacy-plaintext-key-one');
    await expect(encryptLegacyKeys(core, OPS)).rejects.toMatchObject({ code: 'ROLLBACK_PREPARED' });
    // A key added or rotated in now would be sealed: refused until the rollback is undone.
    await expect(
      addToken(core, OPS, { companyId: 'NT047', apiKey: 'AIzaFAKE-added-during-rollback-xxxx' }),
    ).rejects.toMatchObject({ code: 'ROLLBACK_PREPARED', message: expect.stringContaining('rollback undo') });
    await expect(
      rotateToken(core, OPS, { tokenId: 1, newApiKey: 'AIzaFAKE-rotated-during-rollback-xx' }),
    ).rejects.toMatchObject({ code: 'ROLLBACK_PREPARED' });

    // Every step is audited, per key, without the key.
    const audit = await listAudit(core.db, {}, { limit: 50 });
    const decrypts = audit.filter((a) => a.action === 'token.key.decrypt-for-rollback');
    expect(decrypts.map((a) => a.tokenId).sort()).toEqual([1, 2, 3]);
    expect(decrypts.every((a) => a.actor === OPS.actor)).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('legacy-plaintext-key');

    const undone = await undoRollback(core, OPS);
    expect(undone).toEqual({ encrypted: 3, wasPrepared: true });
    expect(oldServiceRequest(filename, 'NT047', 100)).not.toBe('legacy-plaintext-key-one');

    // Back on this gateway: an extraction through the emulator on the same database, and the old
    // service's usage (1,000 + 500 + 100 in its summary updates) is still in the key's totals.
    const before = await core.db.db
      .selectFrom('TokenUsageSummary')
      .select('TotalUsedTokens')
      .where('TokenID', '=', 1)
      .executeTakeFirstOrThrow();
    const result = await extractInvoice(extractionDeps(core, emulator, { cacheMaxEntries: 0 }), {
      requestId: 'after-rollback',
      companyId: 'NT047',
      username: 'tester',
      branch: 'TEST',
      file: { bytes: PDF, declaredType: 'application/pdf' },
    });
    expect(result.usage.totalTokens).toBeGreaterThan(0);
    const after = await core.db.db
      .selectFrom('TokenUsageSummary')
      .select('TotalUsedTokens')
      .where('TokenID', '=', 1)
      .executeTakeFirstOrThrow();
    expect(after.TotalUsedTokens - before.TotalUsedTokens).toBe(result.usage.totalTokens);
    const status = await core.db.db
      .selectFrom('vw_TokenStatus')
      .selectAll()
      .where('TokenID', '=', 1)
      .executeTakeFirstOrThrow();
    expect(status.TotalUsedTokens).toBe(after.TotalUsedTokens);
  });
});
