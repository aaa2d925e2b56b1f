import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  archiveUsageBefore,
  countRowsBefore,
  deleteGatewaySetting,
  deleteRowsBefore,
  getGatewaySetting,
  insertApplicationLogs,
  insertToken,
  insertUsageLog,
  listStoredKeys,
  setGatewaySetting,
  swapStoredKey,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const at = (iso: string) => new Date(iso);

describeContract('Retention, gateway settings and stored keys', (db) => {
  it('deletes only rows older than the cutoff, a batch at a time', async () => {
    await insertApplicationLogs(
      db(),
      ['2026-01-01', '2026-01-02', '2026-01-03', '2026-06-01'].map((d) => ({
        Timestamp: at(`${d}T12:00:00.000Z`),
        LogLevel: 'INFO',
        Message: d,
      })),
    );
    const cutoff = at('2026-03-01T00:00:00.000Z');
    expect(await countRowsBefore(db(), 'ApplicationLogs', cutoff)).toBe(3);
    expect(await deleteRowsBefore(db(), 'ApplicationLogs', cutoff, 2)).toBe(2);
    expect(await deleteRowsBefore(db(), 'ApplicationLogs', cutoff, 2)).toBe(1);
    expect(await deleteRowsBefore(db(), 'ApplicationLogs', cutoff, 2)).toBe(0);
    const left = await db().db.selectFrom('ApplicationLogs').select('Message').execute();
    expect(left.map((r) => r.Message)).toEqual(['2026-06-01']);
  });

  it('archives usage per key, branch, user and day, and the usage view keeps its figures', async () => {
    const token = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'v1:x', KeyHint: 'h' });
    const rows = [
      ['2026-01-05T08:00:00.000Z', 'HQ', 100],
      ['2026-01-05T20:00:00.000Z', 'HQ', 50],
      ['2026-01-06T09:00:00.000Z', 'HQ', 70],
      ['2026-05-01T09:00:00.000Z', 'Default', 30],
    ] as const;
    for (const [loggedAt, branch, tokens] of rows)
      await insertUsageLog(db(), {
        TokenID: token,
        CompanyID: 'NT047',
        Branch: branch,
        RequestedBy: 'amit',
        TotalTokensUsed: tokens,
        InputTokens: tokens,
        RequestCount: 1,
        LoggedAt: at(loggedAt),
      });
    const view = () => db().db.selectFrom('vw_UsageSummary').selectAll().execute();
    const before = await view();
    expect(
      await archiveUsageBefore(db(), at('2026-02-01T00:00:00.000Z'), 10, at('2026-06-01T00:00:00.000Z')),
    ).toBe(3);
    const archive = await db()
      .db.selectFrom('TokenUsageArchive')
      .select(['UsageDay', 'RequestCount', 'TotalTokensUsed', 'FirstLoggedAt', 'LastLoggedAt'])
      .orderBy('UsageDay')
      .execute();
    expect(
      archive.map((r) => [
        new Date(r.UsageDay).toISOString(),
        r.RequestCount,
        r.TotalTokensUsed,
        new Date(r.FirstLoggedAt).toISOString(),
        new Date(r.LastLoggedAt).toISOString(),
      ]),
    ).toEqual([
      ['2026-01-05T00:00:00.000Z', 2, 150, '2026-01-05T08:00:00.000Z', '2026-01-05T20:00:00.000Z'],
      ['2026-01-06T00:00:00.000Z', 1, 70, '2026-01-06T09:00:00.000Z', '2026-01-06T09:00:00.000Z'],
    ]);
    const after = await view();
    expect(
      after.map((r) => [r.TotalRequests, r.TotalTokensUsed, r.Branches, r.Users, r.DaysActive].map(Number)),
    ).toEqual(
      before.map((r) => [r.TotalRequests, r.TotalTokensUsed, r.Branches, r.Users, r.DaysActive].map(Number)),
    );
    expect(after.map((r) => [r.FirstUsed, r.LastUsed].map((d) => d && new Date(d).toISOString()))).toEqual([
      ['2026-01-05T08:00:00.000Z', '2026-05-01T09:00:00.000Z'],
    ]);
    const live = await db()
      .db.selectFrom('TokenUsageLogs')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirst();
    expect(Number(live?.n)).toBe(1);
  });

  it('keeps one value per setting, and swaps a stored key only from what it was', async () => {
    const now = at('2026-11-28T10:00:00.000Z');
    expect(await getGatewaySetting(db(), 'rollback.plaintext-keys')).toBeNull();
    await setGatewaySetting(db(), { name: 'rollback.plaintext-keys', value: 'a', updatedBy: 'ops', now });
    await setGatewaySetting(db(), { name: 'rollback.plaintext-keys', value: 'b', updatedBy: 'dba', now });
    expect(await getGatewaySetting(db(), 'rollback.plaintext-keys')).toEqual({
      name: 'rollback.plaintext-keys',
      value: 'b',
      updatedBy: 'dba',
      updatedAt: now.toISOString(),
    });
    expect(await deleteGatewaySetting(db(), 'rollback.plaintext-keys')).toBe(true);
    expect(await deleteGatewaySetting(db(), 'rollback.plaintext-keys')).toBe(false);

    const token = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'v1:sealed', KeyHint: 'h' });
    expect(await swapStoredKey(db(), { tokenId: token, from: 'v1:other', to: 'plain', now })).toBe(false);
    expect(await swapStoredKey(db(), { tokenId: token, from: 'v1:sealed', to: 'plain', now })).toBe(true);
    expect(await listStoredKeys(db())).toEqual([{ tokenId: token, companyId: 'NT047', stored: 'plain' }]);
  });
});
