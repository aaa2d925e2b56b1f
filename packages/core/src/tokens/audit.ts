import { insertAudit, type TokenInfo } from '@invoicegw/db';
import type { Actor, CoreDeps } from '../core-deps.ts';
import { redactSecrets } from '../logging/redact-secrets.ts';

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
    budgetPeriod: token.budgetPeriod,
    budgetTimeZone: token.budgetTimeZone,
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

/** What an operator typed (actor, reason) with any key in it masked: it is stored and shown. */
export function redactedText(deps: Pick<CoreDeps, 'redact'>, text: string): string;
export function redactedText(deps: Pick<CoreDeps, 'redact'>, text: string | null): string | null;
export function redactedText(deps: Pick<CoreDeps, 'redact'>, text: string | null): string | null {
  return text === null ? null : (deps.redact ?? redactSecrets)(text);
}

export async function recordAudit(
  deps: Pick<CoreDeps, 'db' | 'now' | 'redact'>,
  who: Actor,
  input: AuditInput,
): Promise<void> {
  await insertAudit(deps.db, {
    TokenID: input.tokenId,
    CompanyID: input.companyId,
    Action: input.action,
    Actor: redactedText(deps, who.actor),
    Reason: redactedText(deps, who.reason ?? null),
    BeforeJson: input.before ? redactedText(deps, JSON.stringify(input.before)) : null,
    AfterJson: input.after ? redactedText(deps, JSON.stringify(input.after)) : null,
    RequestID: who.requestId ?? null,
    CreatedAt: deps.now(),
  });
}

export const SYSTEM_ACTOR = 'system';
