import { getToken, getTokenSecret } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { recordAudit, SYSTEM_ACTOR } from '../tokens/audit.ts';
import { isRollbackPrepared, refuseDuringRollback } from './rollback-switch.ts';

const ON_FIRST_USE: Actor = { actor: SYSTEM_ACTOR, reason: 'legacy plaintext key encrypted on first use' };

/**
 * The usable key of a token. A key inserted by hand in plain SQL (legacy plaintext) is used as
 * is and encrypted in place on the way, with its hint and hash filled; a key sealed with an old
 * master key is re-sealed with the current one.
 */
export async function readApiKey(
  deps: CoreDeps,
  tokenId: number,
  who: Actor = ON_FIRST_USE,
): Promise<{ apiKey: string; keyHint: string }> {
  const secret = await getTokenSecret(deps.db, tokenId);
  if (!secret)
    throw new DomainError('TOKEN_NOT_FOUND', `Token ${tokenId} not found`, { details: { tokenId } });
  const apiKey = deps.vault.open(secret.apiKey);
  const keyHint = deps.vault.hint(apiKey);
  if (!deps.vault.isSealed(secret.apiKey)) {
    // Plaintext on purpose while a rollback to the old service is prepared: served, not sealed.
    if (!(await isRollbackPrepared(deps))) await sealLegacy(deps, who, tokenId, secret.apiKey, apiKey);
  } else if (deps.vault.needsReseal(secret.apiKey)) await reseal(deps, tokenId, secret.apiKey, apiKey);
  return { apiKey, keyHint };
}

async function sealLegacy(
  deps: CoreDeps,
  who: Actor,
  tokenId: number,
  stored: string,
  apiKey: string,
): Promise<void> {
  const keyHint = deps.vault.hint(apiKey);
  const sealed = deps.vault.seal(apiKey);
  const now = deps.now();
  // Conditional on the stored text, so two processes meeting the same legacy row seal it once.
  const swap = (keyHash: string | null) =>
    deps.db.db
      .updateTable('TokenMaster')
      .set({ ApiKey: sealed, KeyHint: keyHint, KeyHash: keyHash, UpdatedAt: now })
      .where('TokenID', '=', tokenId)
      .where('ApiKey', '=', stored)
      .executeTakeFirst();
  let result: Awaited<ReturnType<typeof swap>>;
  let duplicate = false;
  try {
    result = await swap(deps.vault.hash(apiKey));
  } catch {
    // The same key is registered on another row: keep serving, without the (unique) hash.
    duplicate = true;
    result = await swap(null);
  }
  if (Number(result.numUpdatedRows) !== 1) return;
  const token = await getToken(deps.db, tokenId);
  const reason = duplicate
    ? `${who.reason ?? 'legacy key encrypted'}; the same key is registered on another token`
    : who.reason;
  await recordAudit(
    deps,
    { ...who, reason },
    {
      tokenId,
      companyId: token?.companyId ?? null,
      action: 'token.key.encrypt',
      before: { keyHint: null },
      after: { keyHint },
    },
  );
  deps.logger.log(
    duplicate ? 'WARNING' : 'INFO',
    'key-vault',
    `Encrypted the legacy plaintext key of token ${tokenId} (${keyHint})`,
    {
      tokenId,
      companyId: token?.companyId,
    },
  );
}

async function reseal(deps: CoreDeps, tokenId: number, stored: string, apiKey: string): Promise<void> {
  await deps.db.db
    .updateTable('TokenMaster')
    .set({ ApiKey: deps.vault.seal(apiKey), UpdatedAt: deps.now() })
    .where('TokenID', '=', tokenId)
    .where('ApiKey', '=', stored)
    .execute();
}

/** The operators' "encrypt legacy keys": seals every plaintext key now rather than on first use. */
export async function encryptLegacyKeys(deps: CoreDeps, who: Actor): Promise<{ encrypted: number }> {
  await refuseDuringRollback(deps, 'encrypt legacy keys');
  const rows = await deps.db.db
    .selectFrom('TokenMaster')
    .select(['TokenID', 'ApiKey'])
    .orderBy('TokenID')
    .execute();
  let encrypted = 0;
  for (const row of rows) {
    if (deps.vault.isSealed(row.ApiKey)) continue;
    await readApiKey(deps, row.TokenID, who);
    encrypted += 1;
  }
  deps.logger.log('INFO', 'key-vault', `Encrypted ${encrypted} legacy key(s) on request of ${who.actor}`);
  return { encrypted };
}

/** After a master-key rotation: re-seals every row still sealed with an older master key. */
export async function reencryptAllKeys(deps: CoreDeps): Promise<{ resealed: number }> {
  const rows = await deps.db.db
    .selectFrom('TokenMaster')
    .select(['TokenID', 'ApiKey'])
    .orderBy('TokenID')
    .execute();
  let resealed = 0;
  for (const row of rows) {
    if (!deps.vault.needsReseal(row.ApiKey)) continue;
    await reseal(deps, row.TokenID, row.ApiKey, deps.vault.open(row.ApiKey));
    resealed += 1;
  }
  return { resealed };
}
