import { expect, it } from 'vitest';
import {
  countCachedResults,
  deleteCachedResults,
  findCachedResult,
  pruneCachedResults,
  storeCachedResult,
  trimCachedResults,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const T0 = new Date('2026-11-28T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const SHA = 'a'.repeat(64);

describeContract('ResultCache data access', (db) => {
  it('stores one live row per company and file; another company never sees it', async () => {
    const big = JSON.stringify({ text: 'ü'.repeat(6000) });
    expect(
      await storeCachedResult(db(), {
        companyId: 'NT047',
        fileSha256: SHA,
        resultJson: big,
        requestId: 'req-1',
        now: T0,
        expiresAt: at(60_000),
      }),
    ).toBe(true);
    // A second writer (another instance) keeps the live row as it is.
    expect(
      await storeCachedResult(db(), {
        companyId: 'NT047',
        fileSha256: SHA,
        resultJson: '{"other":true}',
        requestId: 'req-2',
        now: at(1000),
        expiresAt: at(61_000),
      }),
    ).toBe(false);
    expect(await findCachedResult(db(), 'NT047', SHA, at(1000))).toEqual({
      companyId: 'NT047',
      fileSha256: SHA,
      resultJson: big,
      resultBytes: Buffer.byteLength(big, 'utf8'),
      requestId: 'req-1',
      createdAt: T0.toISOString(),
      expiresAt: at(60_000).toISOString(),
    });
    expect(await findCachedResult(db(), 'OTHER', SHA, at(1000))).toBeUndefined();
    expect(await findCachedResult(db(), 'NT047', 'b'.repeat(64), at(1000))).toBeUndefined();
    // Expired: not found, and the next store replaces it in place.
    expect(await findCachedResult(db(), 'NT047', SHA, at(60_000))).toBeUndefined();
    expect(
      await storeCachedResult(db(), {
        companyId: 'NT047',
        fileSha256: SHA,
        resultJson: '{"fresh":true}',
        requestId: 'req-3',
        now: at(60_000),
        expiresAt: at(120_000),
      }),
    ).toBe(true);
    expect(await findCachedResult(db(), 'NT047', SHA, at(60_001))).toMatchObject({
      resultJson: '{"fresh":true}',
      requestId: 'req-3',
    });
  });

  it('counts live rows, prunes expired ones in bounded passes, trims to a size, and invalidates per company', async () => {
    for (let i = 0; i < 5; i += 1) {
      await storeCachedResult(db(), {
        companyId: i < 3 ? 'NT047' : 'OTHER',
        fileSha256: String(i).repeat(64),
        resultJson: `{"i":${i}}`,
        requestId: null,
        now: at(i),
        expiresAt: at(10_000 + i * 1000),
      });
    }
    expect(await countCachedResults(db(), at(0))).toEqual({
      entries: 5,
      bytes: 5 * 7,
      oldestCreatedAt: T0.toISOString(),
    });
    // At 11.5 s the first two have expired: one pass of at most one row, then the other.
    expect(await countCachedResults(db(), at(11_500))).toMatchObject({ entries: 3 });
    expect(await pruneCachedResults(db(), at(11_500), 1)).toBe(1);
    expect(await pruneCachedResults(db(), at(11_500), 100)).toBe(1);
    expect(await pruneCachedResults(db(), at(11_500), 100)).toBe(0);
    // Keep the two that expire last.
    expect(await trimCachedResults(db(), 2, 100)).toBe(1);
    expect(await findCachedResult(db(), 'NT047', '2'.repeat(64), at(0))).toBeUndefined();
    expect(await findCachedResult(db(), 'OTHER', '4'.repeat(64), at(0))).toBeDefined();
    expect(await trimCachedResults(db(), 2, 100)).toBe(0);
    expect(await deleteCachedResults(db(), 'NT047')).toBe(0);
    expect(await deleteCachedResults(db(), 'OTHER')).toBe(2);
    expect(await countCachedResults(db(), at(0))).toEqual({ entries: 0, bytes: 0, oldestCreatedAt: null });
  });
});
