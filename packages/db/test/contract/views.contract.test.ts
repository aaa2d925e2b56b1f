import { expect, it } from 'vitest';
import {
  ensureSummary,
  insertApplicationLogs,
  insertReservation,
  insertRetryAttempts,
  insertToken,
  insertUsageLog,
  readFailedRetries,
  readRecentErrors,
  readTokenStatus,
  readUsageSummary,
  updateToken,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const HOUR = 3_600_000;

describeContract('monitoring views', (db) => {
  it('vw_TokenStatus ranks health: expired, then exceeded, disabled, invalid, warning, ok', async () => {
    const add = async (
      status: string,
      used: number,
      extra: { ExpiresAt?: Date; Threshold?: number } = {},
    ) => {
      const id = await insertToken(db(), {
        CompanyID: 'NT047',
        ApiKey: `k-${status}-${used}-${Math.random()}`,
        Status: status,
        TotalTokenLimit: 10_000,
        ExpiresAt: extra.ExpiresAt ?? null,
      });
      await ensureSummary(db(), id, extra.Threshold ?? 3000);
      await db()
        .db.updateTable('TokenUsageSummary')
        .set({ TotalUsedTokens: used, TotalRemainingTokens: 10_000 - used })
        .where('TokenID', '=', id)
        .execute();
      return id;
    };
    const ok = await add('Active', 1000);
    const warning = await add('Active', 8000);
    const zero = await add('Active', 10_000);
    const pastExpiry = await add('Active', 0, { ExpiresAt: new Date(Date.now() - HOUR) });
    const futureExpiry = await add('Active', 0, { ExpiresAt: new Date(Date.now() + HOUR) });
    const expiredAndEmpty = await add('Expired', 10_000);
    const disabledAndLow = await add('Disabled', 9000);
    const invalid = await add('Invalid', 0);
    const exceededFlag = await add('Exceeded', 5000);
    const removed = await add('Active', 0);
    await updateToken(db(), removed, { DeletedAt: new Date() });
    await insertReservation(db(), {
      TokenID: ok,
      CompanyID: 'NT047',
      RequestID: 'r',
      ReservedTokens: 700,
      ExpiresAt: new Date(Date.now() + HOUR),
    });
    await db()
      .db.updateTable('TokenUsageSummary')
      .set({ ReservedTokens: 700 })
      .where('TokenID', '=', ok)
      .execute();

    const rows = await readTokenStatus(db(), 'NT047');
    const health = Object.fromEntries(rows.map((r) => [r.tokenId, r.health]));
    expect(health).toEqual({
      [ok]: 'OK',
      [warning]: 'WARNING',
      [zero]: 'EXCEEDED',
      [pastExpiry]: 'EXPIRED',
      [futureExpiry]: 'OK',
      [expiredAndEmpty]: 'EXPIRED',
      [disabledAndLow]: 'DISABLED',
      [invalid]: 'INVALID',
      [exceededFlag]: 'EXCEEDED',
    });
    expect(rows.find((r) => r.tokenId === ok)).toMatchObject({
      totalTokenLimit: 10_000,
      totalUsedTokens: 1000,
      reservedTokens: 700,
      totalRemainingTokens: 9000,
      availableTokens: 8300,
      threshold: 3000,
    });
  });

  it('vw_TokenStatus shows a token without a summary row as untouched', async () => {
    const id = await insertToken(db(), { CompanyID: 'X1', ApiKey: 'k', TotalTokenLimit: 2000 });
    expect(await readTokenStatus(db(), 'X1')).toMatchObject([
      {
        tokenId: id,
        totalUsedTokens: 0,
        reservedTokens: 0,
        totalRemainingTokens: 2000,
        threshold: 3000,
        health: 'WARNING',
      },
    ]);
  });

  it('vw_UsageSummary aggregates per company over all its keys', async () => {
    const a = await insertToken(db(), {
      CompanyID: 'NT047',
      CompanyName: 'RUBI TRADERS Pvt ltd',
      ApiKey: 'a',
    });
    const b = await insertToken(db(), {
      CompanyID: 'NT047',
      CompanyName: 'RUBI TRADERS Pvt ltd',
      ApiKey: 'b',
      Status: 'Disabled',
    });
    const c = await insertToken(db(), { CompanyID: 'OTHER', ApiKey: 'c' });
    const t0 = new Date('2026-11-01T08:00:00.000Z');
    const t1 = new Date('2026-11-04T08:00:00.000Z');
    await insertUsageLog(db(), {
      TokenID: a,
      CompanyID: 'NT047',
      Branch: 'TEST',
      RequestedBy: 'tester',
      TotalTokensUsed: 1000,
      LoggedAt: t0,
    });
    await insertUsageLog(db(), {
      TokenID: b,
      CompanyID: 'NT047',
      Branch: 'HQ',
      RequestedBy: 'amit',
      TotalTokensUsed: 500,
      LoggedAt: t1,
    });
    await insertUsageLog(db(), {
      TokenID: a,
      CompanyID: 'NT047',
      Branch: 'HQ',
      RequestedBy: 'tester',
      TotalTokensUsed: 0,
      RequestCount: 1,
      LoggedAt: t1,
    });
    await insertUsageLog(db(), { TokenID: c, CompanyID: 'OTHER', TotalTokensUsed: 10, LoggedAt: t1 });
    expect(await readUsageSummary(db())).toEqual([
      {
        companyId: 'NT047',
        companyName: 'RUBI TRADERS Pvt ltd',
        branches: 2,
        users: 2,
        totalRequests: 3,
        totalTokensUsed: 1500,
        avgTokensPerRequest: 500,
        firstUsed: t0.toISOString(),
        lastUsed: t1.toISOString(),
        daysActive: 3,
      },
      {
        companyId: 'OTHER',
        companyName: null,
        branches: 1,
        users: 1,
        totalRequests: 1,
        totalTokensUsed: 10,
        avgTokensPerRequest: 10,
        firstUsed: t1.toISOString(),
        lastUsed: t1.toISOString(),
        daysActive: 0,
      },
    ]);
  });

  it('vw_RecentErrors holds the latest 100 ERROR/CRITICAL rows with their age', async () => {
    const now = Date.now();
    await insertApplicationLogs(
      db(),
      Array.from({ length: 130 }, (_, i) => ({
        Timestamp: new Date(now - (130 - i) * 60_000),
        LogLevel: i % 10 === 9 ? 'CRITICAL' : 'ERROR',
        Logger: 'api',
        Message: `failure ${i}`,
      })),
    );
    await insertApplicationLogs(db(), [
      { Timestamp: new Date(now), LogLevel: 'WARNING', Message: 'not an error' },
    ]);
    const errors = await readRecentErrors(db());
    expect(errors).toHaveLength(100);
    expect(errors[0]).toMatchObject({ message: 'failure 129', level: 'CRITICAL' });
    expect(errors.at(-1)?.message).toBe('failure 30');
    expect(errors[0]?.minutesAgo).toBeGreaterThanOrEqual(0);
    expect(errors[0]?.minutesAgo).toBeLessThanOrEqual(2);
    expect(errors.at(-1)?.minutesAgo).toBeGreaterThanOrEqual(99);
  });

  it('vw_FailedRetries has one row per request that gave up, none for one that recovered', async () => {
    const t = (s: number) => new Date(Date.parse('2026-11-28T10:00:00.000Z') + s * 1000);
    await insertRetryAttempts(db(), [
      {
        TokenID: 1,
        CompanyID: 'NT047',
        RequestID: 'gave-up',
        Attempt: 1,
        ErrorCode: 'UNAVAILABLE',
        HttpStatus: 503,
        DelayMs: 1000,
        Timestamp: t(0),
      },
      {
        TokenID: 1,
        CompanyID: 'NT047',
        RequestID: 'gave-up',
        Attempt: 2,
        ErrorCode: 'UNAVAILABLE',
        HttpStatus: 503,
        DelayMs: 2000,
        Timestamp: t(1),
      },
      {
        TokenID: 2,
        CompanyID: 'NT047',
        RequestID: 'gave-up',
        Attempt: 3,
        ErrorCode: 'DEADLINE_EXCEEDED',
        HttpStatus: 504,
        DelayMs: 4000,
        Timestamp: t(3),
      },
      {
        TokenID: 2,
        CompanyID: 'NT047',
        RequestID: 'gave-up',
        Attempt: 4,
        ErrorCode: 'DEADLINE_EXCEEDED',
        HttpStatus: 504,
        IsFinal: true,
        Timestamp: t(7),
      },
      {
        TokenID: 1,
        CompanyID: 'NT047',
        RequestID: 'recovered',
        Attempt: 1,
        ErrorCode: 'UNAVAILABLE',
        HttpStatus: 503,
        DelayMs: 1000,
        Timestamp: t(10),
      },
      {
        TokenID: 3,
        CompanyID: 'AB001',
        RequestID: 'bad-key',
        Attempt: 1,
        ErrorCode: 'API_KEY_INVALID',
        HttpStatus: 400,
        IsRetryable: false,
        IsFinal: true,
        Timestamp: t(20),
      },
    ]);
    const failed = await readFailedRetries(db());
    expect(failed).toEqual([
      {
        requestId: 'bad-key',
        companyId: 'AB001',
        lastTokenId: 3,
        attempts: 1,
        keysTried: 1,
        lastErrorCode: 'API_KEY_INVALID',
        lastHttpStatus: 400,
        lastErrorMessage: null,
        totalDelayMs: 0,
        firstAttemptAt: t(20).toISOString(),
        lastAttemptAt: t(20).toISOString(),
      },
      {
        requestId: 'gave-up',
        companyId: 'NT047',
        lastTokenId: 2,
        attempts: 4,
        keysTried: 2,
        lastErrorCode: 'DEADLINE_EXCEEDED',
        lastHttpStatus: 504,
        lastErrorMessage: null,
        totalDelayMs: 7000,
        firstAttemptAt: t(0).toISOString(),
        lastAttemptAt: t(7).toISOString(),
      },
    ]);
  });
});
