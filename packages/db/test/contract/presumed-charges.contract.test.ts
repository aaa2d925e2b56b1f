import { expect, it } from 'vitest';
import {
  findLedgerViolations,
  getReservation,
  getSummary,
  insertToken,
  listUsageLogs,
  markReservationDispatched,
  presumeReservation,
  reserveOnToken,
  settleAbandonedReservation,
  settleOnToken,
  usageTotals,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const HOUR = 3_600_000;

describeContract('presumed charges: dispatched holds that never settle', (db) => {
  const hold = async (tokenId: number, tokens: number, requestId = `r-${tokens}`) => {
    const now = new Date();
    const id = await reserveOnToken(db(), {
      tokenId,
      companyId: 'NT047',
      requestId,
      tokens,
      now,
      expiresAt: new Date(now.getTime() + HOUR),
      instanceId: 'test',
    });
    if (id === null) throw new Error('not held');
    return id;
  };
  const usageOf = (requestId: string) => listUsageLogs(db(), { requestId }, { limit: 10 });

  it('marks a hold dispatched, and says so when the hold is gone', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k' });
    const r = await hold(id, 500);
    expect((await getReservation(db(), r))?.dispatchedAt).toBeNull();
    const at = new Date('2026-11-28T10:00:00.000Z');
    expect(await markReservationDispatched(db(), r, at)).toBe(true);
    expect((await getReservation(db(), r))?.dispatchedAt).toBe(at.toISOString());
    // A retry on the same hold marks it again: still one hold.
    expect(await markReservationDispatched(db(), r, new Date())).toBe(true);
    await settleOnToken(db(), { tokenId: id, reservationId: r, usage: null, now: new Date() });
    expect(await markReservationDispatched(db(), r, new Date())).toBe(false);
  });

  it('a late settle after the sweeper presumed its hold replaces the presumed row: charged once, at the truth', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 10_000 });
    const r = await hold(id, 4000, 'late');
    await markReservationDispatched(db(), r, new Date());
    expect(await settleAbandonedReservation(db(), r, new Date())).toMatchObject({
      presumed: true,
      charged: 4000,
    });
    // The paused process wakes up and settles what the provider really reported.
    const late = await settleOnToken(db(), {
      tokenId: id,
      reservationId: r,
      usage: { CompanyID: 'NT047', RequestID: 'late', TotalTokensUsed: 1200, Outcome: 'success' },
      now: new Date(),
    });
    expect(late).toMatchObject({ released: 0, charged: 1200, usedTokens: 1200 });
    const rows = await usageOf('late');
    expect(rows.map((u) => [u.outcome, u.totalTokensUsed])).toEqual([['success', 1200]]);
    expect(await getSummary(db(), id)).toMatchObject({
      totalUsedTokens: 1200,
      requestCount: 1,
      reservedTokens: 0,
    });
    expect(await findLedgerViolations(db())).toEqual([]);
  });

  it('releases an abandoned hold that was never dispatched: no usage row, nothing charged', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 10_000 });
    const r = await hold(id, 4000, 'never-sent');
    expect(await settleAbandonedReservation(db(), r, new Date())).toMatchObject({
      tokenId: id,
      companyId: 'NT047',
      requestId: 'never-sent',
      presumed: false,
      released: 4000,
      charged: 0,
      usageId: null,
      usedTokens: 0,
      reservedTokens: 0,
    });
    expect(await usageOf('never-sent')).toEqual([]);
    expect(await settleAbandonedReservation(db(), r, new Date())).toBeNull();
    expect(await getSummary(db(), id)).toMatchObject({
      totalUsedTokens: 0,
      reservedTokens: 0,
      requestCount: 0,
    });
    expect(await findLedgerViolations(db())).toEqual([]);
  });

  it('charges an abandoned dispatched hold in full as presumed usage, once', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 10_000 });
    const r = await hold(id, 4000, 'crashed');
    await markReservationDispatched(db(), r, new Date());
    const swept = await settleAbandonedReservation(db(), r, new Date());
    expect(swept).toMatchObject({
      tokenId: id,
      requestId: 'crashed',
      presumed: true,
      released: 4000,
      charged: 4000,
      usedTokens: 4000,
      reservedTokens: 0,
      totalTokenLimit: 10_000,
    });
    expect(swept?.usageId).toBeTypeOf('number');
    expect(await usageOf('crashed')).toEqual([
      expect.objectContaining({
        tokenId: id,
        companyId: 'NT047',
        outcome: 'presumed',
        totalTokensUsed: 4000,
        presumedTokens: 4000,
        inputTokens: 0,
        requestCount: 1,
        branch: 'Default',
        requestedBy: 'System',
      }),
    ]);
    expect(await settleAbandonedReservation(db(), r, new Date())).toBeNull();
    expect(await getSummary(db(), id)).toMatchObject({
      totalUsedTokens: 4000,
      totalRemainingTokens: 6000,
      reservedTokens: 0,
      requestCount: 1,
    });
    expect(await findLedgerViolations(db())).toEqual([]);
  });

  it('presumes a timed-out attempt at its hold with what the attempt knows; never twice, never past the limit', async () => {
    // The hold is the whole limit: the presumed charge fills the key exactly and no more.
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 3000 });
    const r = await hold(id, 3000, 'timed-out');
    await markReservationDispatched(db(), r, new Date());
    const usage = { Branch: 'B1', RequestedBy: 'tester', Model: 'gemini-2.5-flash', LatencyMs: 1500 };
    const charged = await presumeReservation(db(), { reservationId: r, usage, now: new Date() });
    expect(charged).toMatchObject({ tokenId: id, released: 3000, charged: 3000, usedTokens: 3000 });
    expect(await usageOf('timed-out')).toEqual([
      expect.objectContaining({
        outcome: 'presumed',
        totalTokensUsed: 3000,
        presumedTokens: 3000,
        branch: 'B1',
        requestedBy: 'tester',
        model: 'gemini-2.5-flash',
        latencyMs: 1500,
      }),
    ]);
    // Swept meanwhile, or presumed by the attempt already: the hold is gone, nothing is charged again.
    expect(await presumeReservation(db(), { reservationId: r, now: new Date() })).toBeNull();
    expect(await settleAbandonedReservation(db(), r, new Date())).toBeNull();
    expect(await getSummary(db(), id)).toMatchObject({ totalUsedTokens: 3000, totalRemainingTokens: 0 });
    expect(await findLedgerViolations(db())).toEqual([]);
  });

  it('usage totals show presumed tokens apart from reported ones', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 100_000 });
    const reported = await hold(id, 5000, 'answered');
    await settleOnToken(db(), {
      tokenId: id,
      reservationId: reported,
      usage: { CompanyID: 'NT047', RequestID: 'answered', TotalTokensUsed: 1200, Outcome: 'success' },
      now: new Date(),
    });
    const lost = await hold(id, 5000, 'lost');
    await markReservationDispatched(db(), lost, new Date());
    await presumeReservation(db(), { reservationId: lost, now: new Date() });
    expect(await usageTotals(db(), 'company', { companyId: 'NT047' })).toEqual([
      expect.objectContaining({ key: 'NT047', requests: 2, totalTokens: 6200, presumedTokens: 5000 }),
    ]);
    expect((await usageOf('answered'))[0]?.presumedTokens).toBe(0);
    expect(await findLedgerViolations(db())).toEqual([]);
  });
});
