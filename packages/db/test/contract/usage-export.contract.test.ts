import { expect, it } from 'vitest';
import {
  insertToken,
  insertUsageLog,
  type UsageExportCursor,
  type UsageExportRow,
  usageExportPage,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('usage export data access', (db) => {
  const from = new Date('2026-11-01T00:00:00.000Z');
  const to = new Date('2026-11-04T00:00:00.000Z');

  async function all(pageSize: number, companyId?: string): Promise<UsageExportRow[]> {
    const rows: UsageExportRow[] = [];
    let after: UsageExportCursor | undefined;
    for (;;) {
      const page = await usageExportPage(
        db(),
        { from, to, ...(companyId ? { companyId } : {}) },
        after,
        pageSize,
      );
      rows.push(...page);
      if (page.length < pageSize) return rows;
      after = page[page.length - 1];
    }
  }

  it('groups per day, company, key, branch and user, in keyset pages that neither skip nor repeat a group', async () => {
    const a = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k1', KeyHint: 'AIza…aaa' });
    const b = await insertToken(db(), { CompanyID: 'NT048', ApiKey: 'k2', KeyHint: 'AIza…bbb' });
    const at = (iso: string) => new Date(iso);
    const rows: Array<[number, string, string, string, number, number]> = [
      // token, company, branch, user, tokens, presumed
      [a, 'NT047', 'HQ', 'amit', 100, 0],
      [a, 'NT047', 'HQ', 'amit', 50, 50],
      [a, 'NT047', 'HQ', 'sita', 10, 0],
      [a, 'NT047', 'Pokhara', 'amit', 7, 0],
      [b, 'NT048', 'HQ', 'amit', 1000, 0],
    ];
    for (const [day, time] of [
      ['2026-11-01', '00:00:00.000'],
      ['2026-11-02', '23:59:59.999'],
      ['2026-11-03', '12:00:00.000'],
    ])
      for (const [tokenId, companyId, branch, user, total, presumed] of rows)
        await insertUsageLog(db(), {
          TokenID: tokenId,
          CompanyID: companyId,
          Branch: branch,
          RequestedBy: user,
          InputTokens: total - 1,
          OutputTokens: 1,
          TotalTokensUsed: total,
          PresumedTokens: presumed,
          ...(presumed ? { Outcome: 'presumed' } : {}),
          LoggedAt: at(`${day}T${time}Z`),
        });
    // Outside the period on both sides.
    await insertUsageLog(db(), { TokenID: a, CompanyID: 'NT047', TotalTokensUsed: 9, LoggedAt: to });
    await insertUsageLog(db(), {
      TokenID: a,
      CompanyID: 'NT047',
      TotalTokensUsed: 9,
      LoggedAt: new Date(from.getTime() - 1000),
    });

    const whole = await all(1000);
    expect(whole).toHaveLength(12);
    expect(whole[0]).toEqual({
      day: '2026-11-01',
      companyId: 'NT047',
      tokenId: a,
      keyHint: 'AIza…aaa',
      branch: 'HQ',
      requestedBy: 'amit',
      requests: 2,
      inputTokens: 148,
      outputTokens: 2,
      thoughtsTokens: 0,
      cachedTokens: 0,
      totalTokens: 150,
      presumedTokens: 50,
    });
    expect(whole.map((r) => r.day)).toEqual([
      ...Array(4).fill('2026-11-01'),
      ...Array(4).fill('2026-11-02'),
      ...Array(4).fill('2026-11-03'),
    ]);
    const sum = (list: UsageExportRow[]) => list.reduce((s, r) => s + r.totalTokens, 0);
    expect(sum(whole)).toBe(3 * 1167);
    // Every page size gives the same rows: nothing skipped or repeated at page boundaries.
    for (const size of [1, 2, 3, 5]) expect(await all(size)).toEqual(whole);
    const one = await all(2, 'NT048');
    expect(one.map((r) => [r.day, r.companyId, r.totalTokens])).toEqual([
      ['2026-11-01', 'NT048', 1000],
      ['2026-11-02', 'NT048', 1000],
      ['2026-11-03', 'NT048', 1000],
    ]);
  });

  it('an old row without a company takes its key company', async () => {
    const a = await insertToken(db(), { CompanyID: 'NT049', ApiKey: 'k3' });
    await insertUsageLog(db(), {
      TokenID: a,
      CompanyID: null,
      TotalTokensUsed: 5,
      LoggedAt: new Date('2026-11-02T00:00:00.000Z'),
    });
    expect(
      (await all(10, 'NT049')).map((r) => [r.companyId, r.branch, r.requestedBy, r.totalTokens]),
    ).toEqual([['NT049', 'Default', 'System', 5]]);
  });
});
