import type { DbHandle } from '../db-handle.ts';
import type { ClientKeyRow } from '../schema/client-keys.table.ts';
import { clip, insertReturningId, toIso } from './row-values.ts';

export interface ClientKeyInfo {
  clientKeyId: number;
  companyId: string;
  keyHint: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toInfo(row: ClientKeyRow): ClientKeyInfo {
  return {
    clientKeyId: row.ClientKeyID,
    companyId: row.CompanyID,
    keyHint: row.KeyHint,
    label: row.Label,
    createdAt: toIso(row.CreatedAt),
    lastUsedAt: toIso(row.LastUsedAt),
    revokedAt: toIso(row.RevokedAt),
  };
}

export async function insertClientKey(
  handle: DbHandle,
  row: { companyId: string; keyHash: string; keyHint: string; label: string | null; now: Date },
): Promise<number> {
  return insertReturningId(handle, 'ClientKeys', 'ClientKeyID', {
    CompanyID: clip(row.companyId, 50),
    KeyHash: row.keyHash,
    KeyHint: row.keyHint,
    Label: clip(row.label, 200),
    CreatedAt: row.now,
  });
}

/** The live (not revoked) key with this hash. */
export async function findClientKeyByHash(
  handle: DbHandle,
  keyHash: string,
): Promise<ClientKeyInfo | undefined> {
  const row = await handle.db
    .selectFrom('ClientKeys')
    .selectAll()
    .where('KeyHash', '=', keyHash)
    .where('RevokedAt', 'is', null)
    .executeTakeFirst();
  return row && toInfo(row);
}

export async function listClientKeys(handle: DbHandle, companyId?: string): Promise<ClientKeyInfo[]> {
  let query = handle.db.selectFrom('ClientKeys').selectAll();
  if (companyId !== undefined) query = query.where('CompanyID', '=', companyId);
  return (await query.orderBy('CompanyID').orderBy('ClientKeyID').execute()).map(toInfo);
}

export async function revokeClientKey(handle: DbHandle, clientKeyId: number, now: Date): Promise<boolean> {
  const result = await handle.db
    .updateTable('ClientKeys')
    .set({ RevokedAt: now })
    .where('ClientKeyID', '=', clientKeyId)
    .where('RevokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchClientKey(handle: DbHandle, clientKeyId: number, now: Date): Promise<void> {
  await handle.db
    .updateTable('ClientKeys')
    .set({ LastUsedAt: now })
    .where('ClientKeyID', '=', clientKeyId)
    .execute();
}
