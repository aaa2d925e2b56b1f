import { expect, it } from 'vitest';
import {
  findClientKeyByHash,
  insertClientKey,
  listClientKeys,
  revokeClientKey,
  touchClientKey,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('ClientKeys data access', (db) => {
  it('stores keys by hash, finds live ones, and revokes once', async () => {
    const now = new Date('2026-11-28T10:00:00.000Z');
    const id = await insertClientKey(db(), {
      companyId: 'NT047',
      keyHash: 'a'.repeat(64),
      keyHint: 'igw_…abc',
      label: 'ERP',
      now,
    });
    await insertClientKey(db(), {
      companyId: 'OTHER',
      keyHash: 'b'.repeat(64),
      keyHint: 'igw_…def',
      label: null,
      now,
    });
    await expect(
      insertClientKey(db(), { companyId: 'X', keyHash: 'a'.repeat(64), keyHint: 'x', label: null, now }),
    ).rejects.toThrow();
    expect(await findClientKeyByHash(db(), 'a'.repeat(64))).toMatchObject({
      clientKeyId: id,
      companyId: 'NT047',
      label: 'ERP',
      createdAt: now.toISOString(),
      revokedAt: null,
    });
    await touchClientKey(db(), id, now);
    expect((await listClientKeys(db(), 'NT047'))[0]?.lastUsedAt).toBe(now.toISOString());
    expect(await revokeClientKey(db(), id, now)).toBe(true);
    expect(await revokeClientKey(db(), id, now)).toBe(false);
    expect(await findClientKeyByHash(db(), 'a'.repeat(64))).toBeUndefined();
    expect(await listClientKeys(db())).toHaveLength(2);
  });
});
