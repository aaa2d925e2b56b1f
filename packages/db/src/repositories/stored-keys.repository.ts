import type { DbHandle } from '../db-handle.ts';

/** Every token's stored key text (sealed or plaintext), for whole-table key operations. */
export async function listStoredKeys(
  handle: DbHandle,
): Promise<Array<{ tokenId: number; companyId: string; stored: string }>> {
  const rows = await handle.db
    .selectFrom('TokenMaster')
    .select(['TokenID', 'CompanyID', 'ApiKey'])
    .orderBy('TokenID')
    .execute();
  return rows.map((r) => ({ tokenId: r.TokenID, companyId: r.CompanyID, stored: r.ApiKey }));
}

/**
 * Replaces a token's stored key text, only if it is still `from`: two operators (or a replica
 * sealing on first use) never overwrite each other's change. True when this call made it.
 */
export async function swapStoredKey(
  handle: DbHandle,
  swap: { tokenId: number; from: string; to: string; now: Date },
): Promise<boolean> {
  const result = await handle.db
    .updateTable('TokenMaster')
    .set({ ApiKey: swap.to, UpdatedAt: swap.now })
    .where('TokenID', '=', swap.tokenId)
    .where('ApiKey', '=', swap.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
