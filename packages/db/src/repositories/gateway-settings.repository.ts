import type { DbHandle } from '../db-handle.ts';
import { toIso } from './row-values.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface GatewaySetting {
  name: string;
  value: string;
  updatedBy: string | null;
  updatedAt: string;
}

export async function getGatewaySetting(handle: DbHandle, name: string): Promise<GatewaySetting | null> {
  const row = await handle.db
    .selectFrom('GatewaySettings')
    .selectAll()
    .where('Name', '=', name)
    .executeTakeFirst();
  return row
    ? { name: row.Name, value: row.Value, updatedBy: row.UpdatedBy, updatedAt: toIso(row.UpdatedAt) }
    : null;
}

/** Update, else insert (no MERGE: not every T-SQL engine has it); a racing insert becomes an update. */
export async function setGatewaySetting(
  handle: DbHandle,
  setting: { name: string; value: string; updatedBy: string; now: Date },
): Promise<void> {
  const values = { Value: setting.value, UpdatedBy: setting.updatedBy, UpdatedAt: setting.now };
  const update = () =>
    handle.db.updateTable('GatewaySettings').set(values).where('Name', '=', setting.name).executeTakeFirst();
  if (Number((await update()).numUpdatedRows) > 0) return;
  try {
    await handle.db
      .insertInto('GatewaySettings')
      .values({ Name: setting.name, ...values })
      .execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await update();
  }
}

/** True when the setting was there. */
export async function deleteGatewaySetting(handle: DbHandle, name: string): Promise<boolean> {
  const result = await handle.db.deleteFrom('GatewaySettings').where('Name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
