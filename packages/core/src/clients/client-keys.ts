import { createHash, randomBytes } from 'node:crypto';
import {
  type ClientKeyInfo,
  findClientKeyByHash,
  insertClientKey,
  listClientKeys,
  revokeClientKey,
  touchClientKey,
} from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { DomainError } from '../errors/domain-error.ts';
import { normaliseCompanyId } from '../ledger/acquire-key.ts';
import { recordAudit } from '../tokens/audit.ts';

const PREFIX = 'igw_ck_';

const hashOf = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** Issues a caller key for one company. The key is in the result once and stored only hashed. */
export async function createClientKey(
  deps: CoreDeps,
  who: Actor,
  input: { companyId: string; label?: string | null },
): Promise<{ key: string; info: ClientKeyInfo }> {
  const companyId = normaliseCompanyId(input.companyId);
  const key = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  const id = await insertClientKey(deps.db, {
    companyId,
    keyHash: hashOf(key),
    keyHint: `${key.slice(0, 7)}…${key.slice(-4)}`,
    label: input.label?.trim() || null,
    now: deps.now(),
  });
  const info = (await listClientKeys(deps.db, companyId)).find((k) => k.clientKeyId === id)!;
  await recordAudit(deps, who, {
    tokenId: null,
    companyId,
    action: 'client-key.create',
    before: null,
    after: { clientKeyId: id, keyHint: info.keyHint, label: info.label },
  });
  return { key, info };
}

export async function revokeClientKeyById(
  deps: CoreDeps,
  who: Actor,
  clientKeyId: number,
): Promise<ClientKeyInfo> {
  const info = (await listClientKeys(deps.db)).find((k) => k.clientKeyId === clientKeyId);
  if (!info)
    throw new DomainError('TOKEN_NOT_FOUND', `Client key ${clientKeyId} not found`, {
      details: { clientKeyId },
    });
  await revokeClientKey(deps.db, clientKeyId, deps.now());
  await recordAudit(deps, who, {
    tokenId: null,
    companyId: info.companyId,
    action: 'client-key.revoke',
    before: { revokedAt: info.revokedAt },
    after: { revokedAt: deps.now().toISOString() },
  });
  return (await listClientKeys(deps.db)).find((k) => k.clientKeyId === clientKeyId)!;
}

/** The company a presented caller key belongs to, or undefined (unknown or revoked). */
export async function verifyClientKey(
  deps: Pick<CoreDeps, 'db' | 'now'>,
  presented: string,
): Promise<ClientKeyInfo | undefined> {
  if (!presented.startsWith(PREFIX) || presented.length > 200) return undefined;
  const info = await findClientKeyByHash(deps.db, hashOf(presented));
  if (info) await touchClientKey(deps.db, info.clientKeyId, deps.now());
  return info;
}

export { listClientKeys };
