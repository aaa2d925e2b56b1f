import { expect, it } from 'vitest';
import {
  claimThresholdWarning,
  clearThresholdWarning,
  findLedgerViolations,
  getSummary,
  insertToken,
  listCompanyKeyStates,
  listLapsedActiveKeys,
  refreshRemaining,
  releaseReservation,
  reserveOnToken,
  settleOnToken,
  transitionTokenStatus,
  updateToken,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const HOUR = 3_600_000;

describeContract('quota ledger statements', (db) => {
  const hold = (tokenId: number, tokens: number, now = new Date()) =>
    reserveOnToken(db(), {
      tokenId,
      companyId: 'NT047',
      requestId: `r-${tokens}`,
      tokens,
      now,
      expiresAt: new Date(now.getTime() + HOUR),
      instanceId: 'test',
    });

  it('holds quota only while used + reserved + asked stays within the limit', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 1000 });
    const a = await hold(id, 600);
    expect(a).toBeTypeOf('number');
    expect(await hold(id, 401)).toBeNull();
    const b = await hold(id, 400);
    expect(b).toBeTypeOf('number');
    expect(await getSummary(db(), id)).toMatchObject({ reservedTokens: 1000, totalUsedTokens: 0 });
    expect(await db().db.selectFrom('TokenReservations').select('ReservationID').execute()).toHaveLength(2);
    expect(await findLedgerViolations(db())).toEqual([]);
  });

  it('holds nothing on a key that is not Active, expired, cooling down, retiring or removed', async () => {
    const now = new Date();
    const cases: Array<Parameters<typeof updateToken>[2]> = [
      { Status: 'Disabled' },
      { ExpiresAt: new Date(now.getTime() - 1000) },
      { CooldownUntil: new Date(now.getTime() + HOUR) },
      { RetiresAt: new Date(now.getTime() + HOUR) },
      { DeletedAt: now },
    ];
    for (const patch of cases) {
      const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: `k${Math.random()}` });
      await updateToken(db(), id, patch);
      expect(await hold(id, 10, now), JSON.stringify(patch)).toBeNull();
    }
    expect(await db().db.selectFrom('TokenReservations').select('ReservationID').execute()).toEqual([]);
    const states = await listCompanyKeyStates(db(), 'NT047');
    expect(states).toHaveLength(4);
    expect(states.every((s) => s.hasSummary)).toBe(true);
  });

  it('settles: releases the hold, charges the usage, writes the row, all together', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 10_000 });
    const r = await hold(id, 3000);
    const result = await settleOnToken(db(), {
      tokenId: id,
      reservationId: r,
      now: new Date(),
      usage: { CompanyID: 'NT047', RequestID: 'x', TotalTokensUsed: 1234 },
    });
    expect(result).toMatchObject({
      released: 3000,
      charged: 1234,
      totalTokenLimit: 10_000,
      usedTokens: 1234,
      reservedTokens: 0,
      threshold: 3000,
    });
    expect(result.usageId).toBeTypeOf('number');
    expect(await getSummary(db(), id)).toMatchObject({
      totalUsedTokens: 1234,
      totalRemainingTokens: 8766,
      requestCount: 1,
    });
    // Settling the same hold again charges again but releases nothing twice.
    const again = await settleOnToken(db(), { tokenId: id, reservationId: r, now: new Date(), usage: null });
    expect(again).toMatchObject({ released: 0, charged: 0, usageId: null, usedTokens: 1234 });
    expect(await findLedgerViolations(db())).toEqual([]);
  });

  it('releases an abandoned hold once', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k' });
    const r = (await hold(id, 700))!;
    expect(await releaseReservation(db(), r, new Date())).toEqual({ tokenId: id, released: 700 });
    expect(await releaseReservation(db(), r, new Date())).toBeNull();
    expect((await getSummary(db(), id))?.reservedTokens).toBe(0);
  });

  it('changes status and claims the threshold warning for exactly one caller', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k' });
    await hold(id, 1);
    expect(await transitionTokenStatus(db(), id, ['Active'], 'Exceeded', 'why', new Date())).toBe(true);
    expect(await transitionTokenStatus(db(), id, ['Active'], 'Exceeded', 'why', new Date())).toBe(false);
    expect(await claimThresholdWarning(db(), id, new Date())).toBe(true);
    expect(await claimThresholdWarning(db(), id, new Date())).toBe(false);
    await clearThresholdWarning(db(), id);
    expect(await claimThresholdWarning(db(), id, new Date())).toBe(true);
  });

  it('finds keys to expire or retire, and recomputes remaining after a limit change', async () => {
    const now = new Date();
    const a = await insertToken(db(), {
      CompanyID: 'NT047',
      ApiKey: 'a',
      ExpiresAt: new Date(now.getTime() - 1),
    });
    const b = await insertToken(db(), {
      CompanyID: 'NT047',
      ApiKey: 'b',
      RetiresAt: new Date(now.getTime() - 1),
    });
    await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'c', ExpiresAt: new Date(now.getTime() + HOUR) });
    expect((await listLapsedActiveKeys(db(), now)).sort((x, y) => x.tokenId - y.tokenId)).toEqual([
      { tokenId: a, expired: true, retired: false },
      { tokenId: b, expired: false, retired: true },
    ]);
    const c = await insertToken(db(), { CompanyID: 'X', ApiKey: 'd', TotalTokenLimit: 500 });
    await hold(c, 100);
    await updateToken(db(), c, { TotalTokenLimit: 900 });
    await refreshRemaining(db(), c, now);
    expect((await getSummary(db(), c))?.totalRemainingTokens).toBe(900);
  });

  it('reports every broken invariant', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 100 });
    await hold(id, 50);
    await db()
      .db.updateTable('TokenUsageSummary')
      .set({ TotalUsedTokens: 150, ReservedTokens: 10 })
      .where('TokenID', '=', id)
      .execute();
    expect((await findLedgerViolations(db())).map((v) => v.rule).sort()).toEqual([
      'remaining = limit - used',
      'reserved = sum(open reservations)',
      'used <= limit',
      'used = sum(usage logs)',
    ]);
  });
});
