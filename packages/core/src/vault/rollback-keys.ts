import { deleteGatewaySetting, listStoredKeys, setGatewaySetting, swapStoredKey } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { recordAudit } from '../tokens/audit.ts';
import { ROLLBACK_SETTING } from './rollback-switch.ts';
import { encryptLegacyKeys } from './stored-key.ts';

/** What an operator must type: the step leaves every key readable by anyone who can read the table. */
export const ROLLBACK_CONFIRMATION = 'store keys in plaintext';

export interface RollbackPrepared {
  /** Keys written back as plaintext now. */
  decrypted: number;
  /** Keys that were plaintext already. */
  alreadyPlaintext: number;
  /** Keys that could not be opened (sealed with a master key this process lacks): the old service cannot use them. */
  failed: Array<{ tokenId: number; reason: string }>;
}

/**
 * The checklist's rollback: the old Python service reads TokenMaster.ApiKey as plaintext, so every
 * sealed key is written back in plaintext (conditional on the sealed text, audited per key
 * without the key). The switch goes first, so no replica re-seals a key behind the operator.
 */
export async function prepareRollback(
  deps: CoreDeps,
  who: Actor,
  confirmation: string,
): Promise<RollbackPrepared> {
  if (confirmation !== ROLLBACK_CONFIRMATION)
    throw new DomainError(
      'INVALID_INPUT',
      `Preparing a rollback stores every key in plaintext; confirm by typing exactly "${ROLLBACK_CONFIRMATION}"`,
    );
  await setGatewaySetting(deps.db, {
    name: ROLLBACK_SETTING,
    value: 'prepared',
    updatedBy: who.actor,
    now: deps.now(),
  });
  const result: RollbackPrepared = { decrypted: 0, alreadyPlaintext: 0, failed: [] };
  for (const { tokenId, companyId, stored } of await listStoredKeys(deps.db)) {
    if (!deps.vault.isSealed(stored)) {
      result.alreadyPlaintext += 1;
      continue;
    }
    let plaintext: string;
    try {
      plaintext = deps.vault.open(stored);
    } catch (error) {
      result.failed.push({ tokenId, reason: (error as Error).message });
      continue;
    }
    if (!(await swapStoredKey(deps.db, { tokenId, from: stored, to: plaintext, now: deps.now() }))) continue;
    result.decrypted += 1;
    await recordAudit(deps, who, {
      tokenId,
      companyId,
      action: 'token.key.decrypt-for-rollback',
      before: { sealed: true },
      after: { sealed: false },
    });
  }
  deps.logger.log(
    result.failed.length > 0 ? 'ERROR' : 'WARNING',
    'key-vault',
    `Rollback prepared by ${who.actor}: ${result.decrypted} key(s) now in plaintext for the old service, ${result.alreadyPlaintext} already were, ${result.failed.length} could not be opened`,
    { failed: result.failed },
  );
  return result;
}

/** Back to this gateway: the switch goes, and every plaintext key is sealed again. */
export async function undoRollback(
  deps: CoreDeps,
  who: Actor,
): Promise<{ encrypted: number; wasPrepared: boolean }> {
  const wasPrepared = await deleteGatewaySetting(deps.db, ROLLBACK_SETTING);
  const { encrypted } = await encryptLegacyKeys(deps, who);
  return { encrypted, wasPrepared };
}
