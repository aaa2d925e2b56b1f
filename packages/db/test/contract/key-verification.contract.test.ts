import { expect, it } from 'vitest';
import { getToken, insertToken, listTokens, recordKeyCheck } from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('key verification columns (TokenMaster)', (db) => {
  it('records the last check on the key, clipped to the column, and shows it in every read', async () => {
    const id = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k', KeyHint: 'AIza…aaa' });
    expect(await getToken(db(), id)).toMatchObject({ lastVerifiedAt: null, lastVerifyResult: null });
    const at = new Date('2026-12-01T10:00:00.000Z');
    expect(await recordKeyCheck(db(), id, at, `rejected API_KEY_INVALID: ${'x'.repeat(600)}`)).toBe(true);
    const token = await getToken(db(), id);
    expect(token?.lastVerifiedAt).toBe('2026-12-01T10:00:00.000Z');
    expect(token?.lastVerifyResult).toHaveLength(400);
    expect(token?.lastVerifyResult).toMatch(/^rejected API_KEY_INVALID: x+$/);
    expect((await listTokens(db(), { companyId: 'NT047' }))[0]?.lastVerifyResult).toBe(
      token?.lastVerifyResult,
    );
    expect(await recordKeyCheck(db(), id + 1000, at, 'ok OK')).toBe(false);
  });
});
