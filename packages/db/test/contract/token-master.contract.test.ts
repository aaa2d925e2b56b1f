import { expect, it } from 'vitest';
import {
  companyTokenStatuses,
  findTokenIdByKeyHash,
  getToken,
  getTokenSecret,
  insertToken,
  listTokenIdsWithoutKeyHash,
  listTokens,
  updateToken,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('TokenMaster data access', (db) => {
  it('inserts with the checklist defaults and reads back without the key', async () => {
    const id = await insertToken(db(), {
      CompanyID: 'NT047',
      CompanyName: 'RUBI TRADERS Pvt ltd',
      ApiKey: 'v1:envelope',
    });
    const token = await getToken(db(), id);
    expect(token).toMatchObject({
      tokenId: id,
      companyId: 'NT047',
      provider: 'Gemini',
      totalTokenLimit: 100000,
      status: 'Active',
      expiresAt: null,
      deletedAt: null,
    });
    expect(token?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(token)).not.toContain('v1:envelope');
    expect(await getTokenSecret(db(), id)).toEqual({ apiKey: 'v1:envelope', keyHash: null });
    expect(await getToken(db(), id + 1000)).toBeUndefined();
  });

  it('refuses a second key with the same hash, but allows many legacy rows without one', async () => {
    await insertToken(db(), { CompanyID: 'A', ApiKey: 'k1', KeyHash: 'h'.repeat(64) });
    await expect(
      insertToken(db(), { CompanyID: 'B', ApiKey: 'k2', KeyHash: 'h'.repeat(64) }),
    ).rejects.toThrow();
    await insertToken(db(), { CompanyID: 'A', ApiKey: 'legacy-1' });
    await insertToken(db(), { CompanyID: 'A', ApiKey: 'legacy-2' });
    expect(await findTokenIdByKeyHash(db(), 'h'.repeat(64))).toBeTypeOf('number');
    expect(await listTokenIdsWithoutKeyHash(db())).toHaveLength(2);
  });

  it('lists by company and status, hides removed keys, updates and reports statuses', async () => {
    const a = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'a' });
    const b = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'b', Status: 'Expired' });
    const c = await insertToken(db(), { CompanyID: 'OTHER', ApiKey: 'c' });
    expect((await listTokens(db(), { companyId: 'NT047' })).map((t) => t.tokenId)).toEqual([a, b]);
    expect((await listTokens(db(), { statuses: ['Active'] })).map((t) => t.tokenId)).toEqual([a, c]);

    const expiry = new Date('2030-01-01T00:00:00.000Z');
    expect(
      await updateToken(db(), a, { Status: 'Disabled', ExpiresAt: expiry, StatusReason: 'operator' }),
    ).toBe(true);
    expect(await getToken(db(), a)).toMatchObject({
      status: 'Disabled',
      expiresAt: '2030-01-01T00:00:00.000Z',
      statusReason: 'operator',
    });
    expect(await updateToken(db(), 99999, { Status: 'Disabled' })).toBe(false);
    expect(await companyTokenStatuses(db(), 'NT047')).toEqual(['Disabled', 'Expired']);

    await updateToken(db(), b, { DeletedAt: new Date() });
    expect((await listTokens(db(), { companyId: 'NT047' })).map((t) => t.tokenId)).toEqual([a]);
    expect(
      (await listTokens(db(), { companyId: 'NT047', includeDeleted: true })).map((t) => t.tokenId),
    ).toEqual([a, b]);
    expect(await companyTokenStatuses(db(), 'NT047')).toEqual(['Disabled']);
  });

  it('matches company ids exactly', async () => {
    await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'x' });
    expect(await listTokens(db(), { companyId: 'NT04' })).toEqual([]);
    expect(await listTokens(db(), { companyId: 'NT0477' })).toEqual([]);
  });
});
