import { expect, it } from 'vitest';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  getIdempotencyRecord,
  type IdempotencyClaim,
  pruneIdempotencyKeys,
  releaseIdempotencyKey,
  takeOverIdempotencyKey,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const T0 = new Date('2026-11-28T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const KEY = `k-${'é'.repeat(197)}`;

const claim = (over: Partial<IdempotencyClaim> = {}): IdempotencyClaim => ({
  companyId: 'NT047',
  idempotencyKey: KEY,
  fileSha256: 'a'.repeat(64),
  ownerId: 'owner-1',
  requestId: 'req-1',
  now: T0,
  leaseExpiresAt: at(30_000),
  ...over,
});

describeContract('IdempotencyKeys data access', (db) => {
  it('exactly one concurrent claim wins; the owner completes it and the record replays', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimIdempotencyKey(db(), claim({ ownerId: `owner-${i}` }))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const owner = `owner-${results.indexOf(true)}`;
    // Another company's same key is its own record.
    expect(await claimIdempotencyKey(db(), claim({ companyId: 'OTHER' }))).toBe(true);
    expect(await getIdempotencyRecord(db(), 'NT047', KEY)).toMatchObject({
      state: 'pending',
      ownerId: owner,
      fileSha256: 'a'.repeat(64),
      resultJson: null,
      expiresAt: at(30_000).toISOString(),
    });
    // Only the owner completes or releases it.
    const done = {
      companyId: 'NT047',
      idempotencyKey: KEY,
      resultJson: '{"r":1}',
      expiresAt: at(86_400_000),
    };
    expect(await completeIdempotencyKey(db(), { ...done, ownerId: 'someone-else' })).toBe(false);
    expect(await releaseIdempotencyKey(db(), { companyId: 'NT047', idempotencyKey: KEY, ownerId: 'x' })).toBe(
      false,
    );
    expect(await completeIdempotencyKey(db(), { ...done, ownerId: owner })).toBe(true);
    expect(await completeIdempotencyKey(db(), { ...done, ownerId: owner })).toBe(false);
    expect(await getIdempotencyRecord(db(), 'NT047', KEY)).toMatchObject({
      state: 'done',
      resultJson: '{"r":1}',
      requestId: 'req-1',
    });
    // A done record is never released, and not taken over before it expires.
    expect(
      await releaseIdempotencyKey(db(), { companyId: 'NT047', idempotencyKey: KEY, ownerId: owner }),
    ).toBe(false);
    expect(await takeOverIdempotencyKey(db(), claim({ ownerId: 'late', now: at(60_000) }))).toBe(false);
    expect(await claimIdempotencyKey(db(), claim({ ownerId: 'late' }))).toBe(false);
  });

  it("a dead claimer's lease is taken over by one caller; a failed owner releases its claim", async () => {
    expect(await claimIdempotencyKey(db(), claim())).toBe(true);
    expect(await takeOverIdempotencyKey(db(), claim({ ownerId: 'early', now: at(29_999) }))).toBe(false);
    const later = (ownerId: string) =>
      claim({ ownerId, fileSha256: 'b'.repeat(64), now: at(30_000), leaseExpiresAt: at(60_000) });
    const wins = await Promise.all(['t1', 't2', 't3'].map((o) => takeOverIdempotencyKey(db(), later(o))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const record = await getIdempotencyRecord(db(), 'NT047', KEY);
    expect(record).toMatchObject({ state: 'pending', fileSha256: 'b'.repeat(64), resultJson: null });
    // The first owner lost its claim: it can neither complete nor release it.
    const first = { companyId: 'NT047', idempotencyKey: KEY, ownerId: 'owner-1' };
    expect(await completeIdempotencyKey(db(), { ...first, resultJson: '{}', expiresAt: at(1) })).toBe(false);
    expect(await releaseIdempotencyKey(db(), first)).toBe(false);
    expect(await releaseIdempotencyKey(db(), { ...first, ownerId: record!.ownerId })).toBe(true);
    expect(await getIdempotencyRecord(db(), 'NT047', KEY)).toBeUndefined();
    expect(await claimIdempotencyKey(db(), claim())).toBe(true);
  });

  it('prunes records past ExpiresAt, at most max per pass', async () => {
    for (let i = 0; i < 4; i += 1)
      await claimIdempotencyKey(db(), claim({ idempotencyKey: `k${i}`, leaseExpiresAt: at(1000 * (i + 1)) }));
    expect(await pruneIdempotencyKeys(db(), at(2500), 1)).toBe(1);
    expect(await pruneIdempotencyKeys(db(), at(2500), 100)).toBe(1);
    expect(await pruneIdempotencyKeys(db(), at(2500), 100)).toBe(0);
    expect(await getIdempotencyRecord(db(), 'NT047', 'k2')).toBeDefined();
    expect(await getIdempotencyRecord(db(), 'NT047', 'k0')).toBeUndefined();
  });
});
