import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../src/db-handle.ts';
import { migrate } from '../src/migrations/migrate.ts';
import { openDatabase } from '../src/open-database.ts';
import { settleOnToken } from '../src/repositories/ledger.repository.ts';
import { LEGACY_DDL, LEGACY_ROWS } from './fixtures/legacy-python-schema.ts';

let dir: string;
let filename: string;
let handle: OpenDatabase | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'igw-legacy-'));
  filename = join(dir, 'legacy.sqlite');
  const raw = new BetterSqlite3(filename);
  for (const statement of [...LEGACY_DDL, ...LEGACY_ROWS]) raw.exec(statement);
  raw.close();
});

afterEach(async () => {
  await handle?.close();
  handle = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('upgrading a database made by the old Python service', () => {
  it('keeps every row and adds what the service needs', async () => {
    handle = await openDatabase({ kind: 'sqlite', filename });
    expect(await migrate(handle)).toEqual({
      applied: [
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
    });
    const db = handle.db;

    const tokens = await db.selectFrom('TokenMaster').selectAll().orderBy('TokenID').execute();
    expect(
      tokens.map((t) => [t.TokenID, t.CompanyID, t.ApiKey, t.Provider, t.TotalTokenLimit, t.Status]),
    ).toEqual([
      [1, 'NT047', 'legacy-plaintext-key-one', 'Gemini', 100000, 'Active'],
      [2, 'NT047', 'legacy-plaintext-key-two', 'Gemini', 100000, 'Expired'],
      // A key without a status was never served; it stays out of rotation, with a reason.
      [3, 'AB001', 'legacy-plaintext-key-three', 'Gemini', 5000, 'Disabled'],
    ]);
    expect(tokens[2]?.StatusReason).toBe('imported without a status');
    expect(tokens.map((t) => t.CreatedAt)).toEqual([
      '2025-11-19T10:18:42.000Z',
      '2025-11-20T08:00:00.000Z',
      '2025-11-21T09:30:00.000Z',
    ]);
    expect(
      tokens.every((t) => t.UpdatedAt === t.CreatedAt && t.KeyHash === null && t.DeletedAt === null),
    ).toBe(true);

    const logs = await db.selectFrom('TokenUsageLogs').selectAll().orderBy('UsageID').execute();
    expect(
      logs.map((l) => [
        l.TokenID,
        l.CompanyID,
        l.Branch,
        l.TotalTokensUsed,
        l.ThoughtsTokens,
        l.DocumentPromptTokens,
        l.LoggedAt,
      ]),
    ).toEqual([
      [1, 'NT047', 'TEST', 1500, 0, 0, '2025-11-22T11:00:00.000Z'],
      [1, 'NT047', 'Default', 1000, 0, 0, '2025-11-23T12:00:00.000Z'],
      [3, 'AB001', 'HQ', 150, 0, 0, '2025-11-24T13:00:00.000Z'],
    ]);

    // One summary per token, rebuilt from the log.
    const summaries = await db
      .selectFrom('TokenUsageSummary')
      .select([
        'TokenID',
        'TotalUsedTokens',
        'TotalRemainingTokens',
        'ReservedTokens',
        'RequestCount',
        'Threshold',
      ])
      .orderBy('TokenID')
      .execute();
    expect(summaries).toEqual([
      {
        TokenID: 1,
        TotalUsedTokens: 2500,
        TotalRemainingTokens: 97500,
        ReservedTokens: 0,
        RequestCount: 2,
        Threshold: 3000,
      },
      {
        TokenID: 2,
        TotalUsedTokens: 0,
        TotalRemainingTokens: 100000,
        ReservedTokens: 0,
        RequestCount: 0,
        Threshold: 3000,
      },
      {
        TokenID: 3,
        TotalUsedTokens: 150,
        TotalRemainingTokens: 4850,
        ReservedTokens: 0,
        RequestCount: 1,
        Threshold: 3000,
      },
    ]);

    const appLogs = await db
      .selectFrom('ApplicationLogs')
      .select(['Message', 'LineNumber', 'Timestamp', 'RequestID'])
      .orderBy('LogID')
      .execute();
    expect(appLogs).toEqual([
      {
        Message: 'Database tables initialized successfully',
        LineNumber: 42,
        Timestamp: '2025-11-19T10:18:43.000Z',
        RequestID: null,
      },
      {
        Message: 'Failed to process invoice',
        LineNumber: null,
        Timestamp: '2025-11-22T11:00:05.000Z',
        RequestID: null,
      },
    ]);
    const retries = await db.selectFrom('RetryAttempts').selectAll().execute();
    expect(retries).toMatchObject([
      {
        TokenID: 1,
        CompanyID: 'NT047',
        Attempt: 1,
        ErrorMessage: 'status_code: 503',
        IsRetryable: 1,
        IsFinal: 0,
      },
    ]);

    // The views work on upgraded data.
    const status = await db
      .selectFrom('vw_TokenStatus')
      .select(['TokenID', 'HealthStatus', 'TotalRemainingTokens'])
      .orderBy('TokenID')
      .execute();
    expect(status).toEqual([
      { TokenID: 1, HealthStatus: 'OK', TotalRemainingTokens: 97500 },
      { TokenID: 2, HealthStatus: 'EXPIRED', TotalRemainingTokens: 100000 },
      { TokenID: 3, HealthStatus: 'DISABLED', TotalRemainingTokens: 4850 },
    ]);
    const usage = await db.selectFrom('vw_UsageSummary').selectAll().orderBy('CompanyID').execute();
    expect(
      usage.map((u) => [
        u.CompanyID,
        Number(u.TotalTokensUsed),
        Number(u.TotalRequests),
        u.Branches,
        u.Users,
      ]),
    ).toEqual([
      ['AB001', 150, 1, 1, 1],
      ['NT047', 2500, 2, 2, 2],
    ]);
  });

  it('the views count right on an upgraded database: old NULL counts backfilled, new rows write every counted column', async () => {
    // The old service could leave RequestCount (no default) NULL.
    const raw = new BetterSqlite3(filename);
    raw.exec(`INSERT INTO TokenUsageLogs (TokenID, Branch, RequestedBy, InputTokens, OutputTokens, TotalTokensUsed, LoggedAt)
      VALUES (3, 'HQ', 'amit', 200, 100, 300, '2025-11-25 09:00:00')`);
    raw.close();
    handle = await openDatabase({ kind: 'sqlite', filename });
    await migrate(handle);
    // Three calls through the ledger after the upgrade, on the old table definition (no defaults).
    for (const tokens of [1000, 1200, 800]) {
      await settleOnToken(handle, {
        tokenId: 1,
        reservationId: null,
        usage: {
          CompanyID: 'NT047',
          RequestID: `r-${tokens}`,
          InputTokens: tokens - 100,
          OutputTokens: 100,
          TotalTokensUsed: tokens,
        },
        now: new Date('2026-01-05T10:00:00Z'),
      });
    }
    const logs = await handle.db
      .selectFrom('TokenUsageLogs')
      .select(['RequestCount', 'TextPromptTokens'])
      .execute();
    expect(logs).toHaveLength(7);
    expect(logs.every((l) => l.RequestCount === 1 && l.TextPromptTokens !== null)).toBe(true);

    const usage = await handle.db.selectFrom('vw_UsageSummary').selectAll().orderBy('CompanyID').execute();
    expect(
      usage.map((u) => [
        u.CompanyID,
        Number(u.TotalRequests),
        Number(u.TotalTokensUsed),
        Number(u.AvgTokensPerRequest),
      ]),
    ).toEqual([
      ['AB001', 2, 450, 225],
      ['NT047', 5, 5500, 1100],
    ]);
    const status = await handle.db
      .selectFrom('vw_TokenStatus')
      .select(['TokenID', 'RequestCount', 'TotalUsedTokens'])
      .orderBy('TokenID')
      .execute();
    expect(status.map((s) => [s.TokenID, Number(s.RequestCount), Number(s.TotalUsedTokens)])).toEqual([
      [1, 5, 5500],
      [2, 0, 0],
      [3, 2, 450],
    ]);
  });

  it('a second start after the upgrade changes nothing', async () => {
    handle = await openDatabase({ kind: 'sqlite', filename });
    await migrate(handle);
    const snapshot = async (h: OpenDatabase) => ({
      tokens: await h.db.selectFrom('TokenMaster').selectAll().orderBy('TokenID').execute(),
      summaries: await h.db.selectFrom('TokenUsageSummary').selectAll().orderBy('TokenID').execute(),
      logs: await h.db.selectFrom('TokenUsageLogs').selectAll().orderBy('UsageID').execute(),
    });
    const before = await snapshot(handle);
    await handle.close();
    handle = await openDatabase({ kind: 'sqlite', filename });
    expect(await migrate(handle)).toEqual({ applied: [] });
    expect(await snapshot(handle)).toEqual(before);
  });
});
