import { expect, it } from 'vitest';
import {
  carryBudgetWindow,
  chargeClosedWindow,
  ensureSummary,
  findLedgerViolations,
  getSummary,
  insertToken,
  listBudgetWindowStates,
  listClosedBudgetWindows,
  listDueBudgetWindows,
  markReservationDispatched,
  reserveOnToken,
  resetBudgetWindow,
  setBudgetWindow,
  settleAbandonedReservation,
  settleOnToken,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('budget windows data access', (db) => {
  const start = new Date('2026-12-01T00:00:00.000Z');
  const end = new Date('2027-01-01T00:00:00.000Z');
  const next = new Date('2027-02-01T00:00:00.000Z');

  async function periodicKey(companyId: string, limit: number): Promise<number> {
    const tokenId = await insertToken(db(), {
      CompanyID: companyId,
      ApiKey: `v1:${companyId}`,
      KeyHash: companyId.padEnd(64, '0'),
      TotalTokenLimit: limit,
      BudgetPeriod: 'monthly',
    });
    await ensureSummary(db(), tokenId);
    await setBudgetWindow(db(), tokenId, { windowStartedAt: start, nextResetAt: end }, start);
    return tokenId;
  }

  const usage = (requestId: string, tokens: number) => ({
    CompanyID: 'NT047',
    RequestID: requestId,
    TotalTokensUsed: tokens,
  });

  it('a reset closes the window once, and a hold open at it settles into the closed window', async () => {
    const tokenId = await periodicKey('NT047', 10_000);
    const hold = async (requestId: string, at: Date): Promise<number> => {
      const id = await reserveOnToken(db(), {
        tokenId,
        companyId: 'NT047',
        requestId,
        tokens: 1000,
        now: at,
        expiresAt: new Date(at.getTime() + 600_000),
        instanceId: 'i',
        hasSummary: true,
      });
      if (id === null) throw new Error(`no hold for ${requestId}`);
      return id;
    };
    const settled = await hold('settled', new Date('2026-12-20T00:00:00.000Z'));
    await settleOnToken(db(), { tokenId, reservationId: settled, usage: usage('settled', 300), now: start });
    const open = await hold('open', new Date('2026-12-31T23:59:00.000Z'));
    // A dispatched hold whose process dies: the sweeper presumes it after the reset.
    const dead = await hold('dead', new Date('2026-12-31T23:59:30.000Z'));
    await markReservationDispatched(db(), dead, new Date('2026-12-31T23:59:31.000Z'));
    expect(await listDueBudgetWindows(db(), new Date('2026-12-31T23:59:59.000Z'))).toEqual([]);
    const after = new Date('2027-01-01T00:00:05.000Z');
    expect(await listDueBudgetWindows(db(), after)).toEqual([{ tokenId, nextResetAt: end.toISOString() }]);

    const request = { tokenId, boundary: end, windowStartedAt: end, nextResetAt: next, now: after };
    const closed = await resetBudgetWindow(db(), request);
    expect(closed).toMatchObject({
      tokenId,
      windowStart: start.toISOString(),
      windowEnd: end.toISOString(),
      tokensUsed: 300,
      requestCount: 1,
      tokenLimit: 10_000,
      holdsInFlight: 2,
    });
    // The same window again (another replica, a retried sweep): nothing happens.
    expect(await resetBudgetWindow(db(), request)).toBeNull();
    expect(await listBudgetWindowStates(db(), { tokenId })).toEqual([
      { tokenId, windowStartedAt: end.toISOString(), nextResetAt: next.toISOString(), carriedTokens: 0 },
    ]);
    expect(await getSummary(db(), tokenId)).toMatchObject({
      totalUsedTokens: 0,
      totalRemainingTokens: 10_000,
      reservedTokens: 2000,
      requestCount: 0,
    });

    // The open hold settles after the reset: charged to the closed window, released from the new one.
    const result = await settleOnToken(db(), {
      tokenId,
      reservationId: open,
      usage: usage('open', 450),
      now: after,
    });
    expect(result).toMatchObject({ released: 1000, charged: 450, usedTokens: 0, reservedTokens: 1000 });
    expect(await settleAbandonedReservation(db(), dead, after)).toMatchObject({
      presumed: true,
      charged: 1000,
      usedTokens: 0,
      reservedTokens: 0,
    });
    expect(await listClosedBudgetWindows(db(), tokenId)).toMatchObject([
      { windowEnd: end.toISOString(), tokensUsed: 1750, requestCount: 3 },
    ]);
    // A hold taken in the new window settles into it.
    const fresh = await hold('fresh', after);
    await settleOnToken(db(), { tokenId, reservationId: fresh, usage: usage('fresh', 200), now: after });
    expect((await getSummary(db(), tokenId))?.totalUsedTokens).toBe(200);
    expect(await findLedgerViolations(db())).toEqual([]);
    // Unknown window: not charged there (the caller charges the current window instead).
    expect(await chargeClosedWindow(db(), { tokenId, windowEnd: next, tokens: 1, countRequest: false })).toBe(
      false,
    );
  });

  it('a rotation carries the window and its spent tokens; the reset archives them as carried', async () => {
    const tokenId = await periodicKey('NT048', 5000);
    expect(
      await carryBudgetWindow(db(), {
        tokenId,
        windowStartedAt: start,
        nextResetAt: end,
        carriedTokens: 1200,
        now: start,
      }),
    ).toBe(true);
    expect(await getSummary(db(), tokenId)).toMatchObject({
      totalUsedTokens: 1200,
      totalRemainingTokens: 3800,
    });
    expect(await findLedgerViolations(db())).toEqual([]);
    const closed = await resetBudgetWindow(db(), {
      tokenId,
      boundary: end,
      windowStartedAt: end,
      nextResetAt: next,
      now: end,
    });
    expect(closed).toMatchObject({ tokensUsed: 1200, carriedTokens: 1200, holdsInFlight: 0 });
    expect(await findLedgerViolations(db())).toEqual([]);
    // Clearing the period: no window, never due.
    await setBudgetWindow(db(), tokenId, null, end);
    expect(await listDueBudgetWindows(db(), new Date('2030-01-01T00:00:00.000Z'))).toEqual([]);
  });
});
