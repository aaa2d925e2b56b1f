import {
  findLedgerViolations,
  insertApplicationLogs,
  insertAudit,
  insertRetryAttempts,
  insertToken,
  insertUsageLog,
  usageExportPage,
} from '@invoicegw/db';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors/domain-error.ts';
import { pruneOldRows } from '../src/retention/prune-old-rows.ts';
import { checkRetentionPolicy, DEFAULT_RETENTION } from '../src/retention/retention-policy.ts';
import { createTestCore, type TestCore } from './helpers.ts';

const DAY = 86_400_000;
let core: TestCore;
const now = () => core.now().getTime();
const daysAgo = (d: number, extraMs = 0) => new Date(now() - d * DAY - extraMs);

async function count(table: 'ApplicationLogs' | 'RetryAttempts' | 'TokenUsageLogs' | 'AuditLog') {
  const row = await core.db.db
    .selectFrom(table)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function usageView() {
  return core.db.db.selectFrom('vw_UsageSummary').selectAll().orderBy('CompanyID').execute();
}

/** 10 usage rows a day for `days` days back from today, over two keys, branches and users. */
async function seedUsage(tokens: number[], days: number) {
  for (let d = 0; d < days; d += 1) {
    for (let i = 0; i < 10; i += 1) {
      const tokenId = tokens[i % tokens.length] as number;
      await insertUsageLog(core.db, {
        TokenID: tokenId,
        CompanyID: tokenId === tokens[0] ? 'ACME' : 'OTHER',
        RequestID: `r-${d}-${i}`,
        Branch: i % 3 === 0 ? 'HQ' : 'Default',
        RequestedBy: `user${i % 4}`,
        InputTokens: 100 + i,
        OutputTokens: 20,
        TotalTokensUsed: 120 + i,
        PresumedTokens: i === 9 ? 5 : 0,
        RequestCount: 1,
        LoggedAt: daysAgo(d, i * 60_000),
      });
    }
  }
}

beforeEach(async () => {
  core = await createTestCore();
});
afterEach(async () => {
  await core.dispose();
});

describe('retention', () => {
  it('refuses an audit retention under a year, and negative days', () => {
    expect(() => checkRetentionPolicy({ ...DEFAULT_RETENTION, AuditLog: 30 })).toThrow(DomainError);
    expect(() => checkRetentionPolicy({ ...DEFAULT_RETENTION, ApplicationLogs: -1 })).toThrow(/≥ 0/);
    expect(checkRetentionPolicy({ ...DEFAULT_RETENTION, AuditLog: 0 }).AuditLog).toBe(0);
  });

  it('deletes only rows older than each setting, in batches; a dry run deletes nothing', async () => {
    const log = (d: number) => ({ Timestamp: daysAgo(d), LogLevel: 'INFO', Message: `day ${d}` });
    await insertApplicationLogs(core.db, [log(0), log(29), log(31), log(45), log(60), log(90), log(400)]);
    await insertRetryAttempts(core.db, [
      { RequestID: 'a', Attempt: 1, IsRetryable: true, IsFinal: false, Timestamp: daysAgo(10) },
      { RequestID: 'b', Attempt: 1, IsRetryable: true, IsFinal: true, Timestamp: daysAgo(31) },
    ]);
    for (const d of [1, 700, 800])
      await insertAudit(core.db, { Action: 'token.add', Actor: 'ops', CreatedAt: daysAgo(d) });
    const policy = { ...DEFAULT_RETENTION, TokenUsageLogs: 0 };

    const dry = await pruneOldRows(core, policy, { dryRun: true, batchSize: 2 });
    expect(dry.map((t) => [t.table, t.olderThanCutoff, t.deleted])).toEqual([
      ['ApplicationLogs', 5, 0],
      ['RetryAttempts', 1, 0],
      ['TokenUsageLogs', 0, 0],
      ['AuditLog', 1, 0],
      ['AlertDeliveries', 0, 0],
    ]);
    expect(await count('ApplicationLogs')).toBe(7);

    const report = await pruneOldRows(core, policy, { batchSize: 2 });
    const logs = report.find((t) => t.table === 'ApplicationLogs');
    // 5 rows, 2 a batch: three statements.
    expect(logs).toMatchObject({ olderThanCutoff: 5, deleted: 5, batches: 3 });
    const left = await core.db.db.selectFrom('ApplicationLogs').select('Message').orderBy('LogID').execute();
    expect(left.map((r) => r.Message)).toEqual(['day 0', 'day 29']);
    expect(await count('RetryAttempts')).toBe(1);
    expect(await count('AuditLog')).toBe(2);
    // 0 keeps forever.
    expect(report.find((t) => t.table === 'TokenUsageLogs')).toMatchObject({ cutoff: null, deleted: 0 });
    // Nothing left to do on a second pass.
    const again = await pruneOldRows(core, policy, { batchSize: 2 });
    expect(again.reduce((s, t) => s + t.deleted, 0)).toBe(0);
  });

  it('folds old usage into the archive so the usage view and every total stay the same', async () => {
    const a = await insertToken(core.db, { CompanyID: 'ACME', ApiKey: 'sealed-a', KeyHint: 'a' });
    const b = await insertToken(core.db, { CompanyID: 'OTHER', ApiKey: 'sealed-b', KeyHint: 'b' });
    await seedUsage([a, b], 12);
    // Each key's ledger figures as settles would have left them, so the invariants can be checked.
    for (const tokenId of [a, b]) {
      const used = await core.db.db
        .selectFrom('TokenUsageLogs')
        .select(sql<number>`sum(TotalTokensUsed)`.as('n'))
        .where('TokenID', '=', tokenId)
        .executeTakeFirstOrThrow();
      await core.db.db
        .insertInto('TokenUsageSummary')
        .values({ TokenID: tokenId, TotalUsedTokens: used.n, TotalRemainingTokens: 100_000 - used.n })
        .execute();
    }
    expect(await findLedgerViolations(core.db)).toEqual([]);
    const before = await usageView();
    const totalBefore = await core.db.db
      .selectFrom('TokenUsageLogs')
      .select([
        sql<number>`sum(TotalTokensUsed)`.as('tokens'),
        sql<number>`sum(PresumedTokens)`.as('presumed'),
      ])
      .executeTakeFirstOrThrow();

    const report = await pruneOldRows(
      core,
      { ...DEFAULT_RETENTION, TokenUsageLogs: 5 },
      { batchSize: 7, tables: ['TokenUsageLogs'] },
    );
    // Days 6..11 are past 5 days (day 5 is at or after the cutoff only for its first minutes).
    const older = report[0]?.olderThanCutoff ?? 0;
    expect(older).toBeGreaterThanOrEqual(60);
    expect(report[0]).toMatchObject({ deleted: older, batches: Math.ceil(older / 7) });
    expect(await count('TokenUsageLogs')).toBe(120 - older);

    expect(await usageView()).toEqual(before);
    // An export over the whole period totals the same, archived days included.
    const exported = await usageExportPage(
      core.db,
      { from: daysAgo(30), to: new Date(now() + DAY) },
      undefined,
      10_000,
    );
    expect(exported.reduce((n, r) => n + r.totalTokens, 0)).toBe(Number(totalBefore.tokens));
    expect(exported.reduce((n, r) => n + r.presumedTokens, 0)).toBe(Number(totalBefore.presumed));
    expect(exported.reduce((n, r) => n + r.requests, 0)).toBe(120);
    // The ledger's own check counts archived usage: pruning breaks no invariant.
    expect(await findLedgerViolations(core.db)).toEqual([]);
    const archived = await core.db.db
      .selectFrom('TokenUsageArchive')
      .select([
        sql<number>`sum(TotalTokensUsed)`.as('tokens'),
        sql<number>`sum(PresumedTokens)`.as('presumed'),
        sql<number>`sum(RequestCount)`.as('requests'),
      ])
      .executeTakeFirstOrThrow();
    const live = await core.db.db
      .selectFrom('TokenUsageLogs')
      .select([
        sql<number>`sum(TotalTokensUsed)`.as('tokens'),
        sql<number>`sum(PresumedTokens)`.as('presumed'),
      ])
      .executeTakeFirstOrThrow();
    expect(Number(archived.tokens) + Number(live.tokens)).toBe(Number(totalBefore.tokens));
    expect(Number(archived.presumed) + Number(live.presumed)).toBe(Number(totalBefore.presumed));
    expect(Number(archived.requests)).toBe(older);
    // One archive row per key, branch, user and day at most per batch; each row is one UTC day.
    const days = await core.db.db.selectFrom('TokenUsageArchive').select('UsageDay').execute();
    expect(days.every((r) => String(r.UsageDay).endsWith('T00:00:00.000Z'))).toBe(true);
  });
});
