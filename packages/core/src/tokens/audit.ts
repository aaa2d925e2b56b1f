import { insertAudit, type TokenInfo } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';

/** The non-secret fields of a key that the audit trail records before and after a change. */
export function tokenSnapshot(token: TokenInfo | undefined): Record<string, unknown> | null {
  if (!token) return null;
  return {
    companyId: token.companyId,
    companyName: token.companyName,
    keyHint: token.keyHint,
    status: token.status,
    statusReason: token.statusReason,
    totalTokenLimit: token.totalTokenLimit,
    expiresAt: token.expiresAt,
    retiresAt: token.retiresAt,
    cooldownUntil: token.cooldownUntil,
    rotatedFromTokenId: token.rotatedFromTokenId,
    deletedAt: token.deletedAt,
  };
}

export interface AuditInput {
  tokenId: number | null;
  companyId: string | null;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export async function recordAudit(
  deps: Pick<CoreDeps, 'db' | 'now'>,
  who: Actor,
  input: AuditInput,
): Promise<void> {
  await insertAudit(deps.db, {
    TokenID: input.tokenId,
    CompanyID: input.companyId,
    Action: input.action,
    Actor: who.actor,
    Reason: who.reason ?? null,
    BeforeJson: input.before ? JSON.stringify(input.before) : null,
    AfterJson: input.after ? JSON.stringify(input.after) : null,
    RequestID: who.requestId ?? null,
    CreatedAt: deps.now(),
  });
}

export const SYSTEM_ACTOR = 'system';
