import { getGatewaySetting } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';

/** Set while keys are plaintext for the old service: every replica reads it before sealing one. */
export const ROLLBACK_SETTING = 'rollback.plaintext-keys';

export async function isRollbackPrepared(deps: Pick<CoreDeps, 'db'>): Promise<boolean> {
  return (await getGatewaySetting(deps.db, ROLLBACK_SETTING)) !== null;
}

/** Refuses a change that would store a sealed key while the old service needs plaintext ones. */
export async function refuseDuringRollback(deps: Pick<CoreDeps, 'db'>, what: string): Promise<void> {
  const setting = await getGatewaySetting(deps.db, ROLLBACK_SETTING);
  if (setting)
    throw new DomainError(
      'ROLLBACK_PREPARED',
      `Cannot ${what}: a rollback to the old service was prepared by ${setting.updatedBy ?? 'an operator'} at ${setting.updatedAt}, and keys are stored in plaintext for it. Run "ocr-ops db rollback undo" first.`,
      { details: { preparedBy: setting.updatedBy, preparedAt: setting.updatedAt } },
    );
}
