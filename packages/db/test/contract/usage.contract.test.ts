import { expect, it } from 'vitest';
import {
  ensureSummary,
  getSummary,
  insertToken,
  insertUsageLog,
  listUsageLogs,
  setThreshold,
  sumTokensUsed,
  usageTotals,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('TokenUsageSummary and TokenUsageLogs data access', (db) => {
  it('creates one summary row per token, starting from the limit', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 5000 });
    await ensureSummary(db(), id);
    await ensureSummary(db(), id);
    expect(await getSummary(db(), id)).toMatchObject({
      tokenId: id,
      totalUsedTokens: 0,
      totalRemainingTokens: 5000,
      reservedTokens: 0,
      threshold: 3000,
      requestCount: 0,
      lastUsedAt: null,
    });
    expect(await setThreshold(db(), id, 250)).toBe(true);
    expect((await getSummary(db(), id))?.threshold).toBe(250);
  });

  it('logs usage with defaults, clips overlong text instead of losing the row, and totals it', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k' });
    const other = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k2' });
    const day1 = new Date('2026-11-01T10:00:00.000Z');
    const day2 = new Date('2026-11-02T23:59:59.000Z');
    await insertUsageLog(db(), {
      TokenID: id,
      CompanyID: 'NT047',
      RequestID: 'r1',
      InputTokens: 100,
      OutputTokens: 20,
      ThoughtsTokens: 5,
      TotalTokensUsed: 125,
      LoggedAt: day1,
    });
    await insertUsageLog(db(), {
      TokenID: id,
      CompanyID: 'NT047',
      RequestID: 'r2',
      Branch: 'B'.repeat(80),
      RequestedBy: 'tester',
      TotalTokensUsed: 300,
      DocumentPromptTokens: 258,
      LoggedAt: day2,
    });
    await insertUsageLog(db(), {
      TokenID: other,
      CompanyID: 'NT047',
      RequestID: 'r3',
      RequestedBy: 'tester',
      TotalTokensUsed: 50,
      LoggedAt: day2,
    });

    const logs = await listUsageLogs(db(), { tokenId: id }, { limit: 10 });
    expect(logs.map((l) => l.requestId)).toEqual(['r2', 'r1']);
    expect(logs[1]).toMatchObject({
      branch: 'Default',
      requestedBy: 'System',
      requestCount: 1,
      totalTokensUsed: 125,
      loggedAt: day1.toISOString(),
    });
    expect(logs[0]?.branch).toBe('B'.repeat(50));
    expect(await listUsageLogs(db(), { companyId: 'NT047' }, { limit: 1, offset: 1 })).toHaveLength(1);
    expect(await listUsageLogs(db(), { from: day2 }, { limit: 10 })).toHaveLength(2);
    expect(await listUsageLogs(db(), { to: day2 }, { limit: 10 })).toHaveLength(1);

    expect(await sumTokensUsed(db(), id)).toBe(425);
    expect(await sumTokensUsed(db(), 424242)).toBe(0);

    const byDay = await usageTotals(db(), 'day', { companyId: 'NT047' });
    expect(byDay.map((d) => [d.key, d.requests, d.totalTokens])).toEqual([
      ['2026-11-01', 1, 125],
      ['2026-11-02', 2, 350],
    ]);
    const byUser = await usageTotals(db(), 'user');
    expect(byUser.map((u) => [u.key, u.totalTokens])).toEqual([
      ['tester', 350],
      ['System', 125],
    ]);
    const byToken = await usageTotals(db(), 'token');
    expect(byToken.map((t) => [t.key, t.totalTokens])).toEqual([
      [String(id), 425],
      [String(other), 50],
    ]);
    expect((await usageTotals(db(), 'company'))[0]).toMatchObject({
      key: 'NT047',
      requests: 3,
      inputTokens: 100,
      thoughtsTokens: 5,
      totalTokens: 475,
    });
  });
});
