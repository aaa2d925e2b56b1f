import type { DbHandle } from '../db-handle.ts';
import type { AuditLogRow, NewAuditLogRow } from '../schema/audit-log.table.ts';
import { clip, insertReturningId, type Page, paged, toIso } from './row-values.ts';

export interface AuditEntry {
  auditId: number;
  tokenId: number | null;
  companyId: string | null;
  action: string;
  actor: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: string;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toAuditEntry(row: AuditLogRow): AuditEntry {
  return {
    auditId: row.AuditID,
    tokenId: row.TokenID,
    companyId: row.CompanyID,
    action: row.Action,
    actor: row.Actor,
    reason: row.Reason,
    before: parseJson(row.BeforeJson),
    after: parseJson(row.AfterJson),
    requestId: row.RequestID,
    createdAt: toIso(row.CreatedAt),
  };
}

/** Callers pass snapshots that never include the key; see core's token snapshot. */
export async function insertAudit(handle: DbHandle, row: NewAuditLogRow): Promise<number> {
  return insertReturningId(handle, 'AuditLog', 'AuditID', {
    ...row,
    CompanyID: clip(row.CompanyID, 50),
    Action: clip(row.Action, 64),
    Actor: clip(row.Actor, 200),
    Reason: clip(row.Reason, 1000),
    RequestID: clip(row.RequestID, 64),
    CreatedAt: row.CreatedAt ?? new Date(),
  });
}

export interface AuditFilter {
  tokenId?: number;
  companyId?: string;
  action?: string;
}

/** Newest first. */
export async function listAudit(handle: DbHandle, filter: AuditFilter, page: Page): Promise<AuditEntry[]> {
  let query = handle.db.selectFrom('AuditLog').selectAll();
  if (filter.tokenId !== undefined) query = query.where('TokenID', '=', filter.tokenId);
  if (filter.companyId !== undefined) query = query.where('CompanyID', '=', filter.companyId);
  if (filter.action !== undefined) query = query.where('Action', '=', filter.action);
  const rows = await paged(
    handle,
    query.orderBy('CreatedAt', 'desc').orderBy('AuditID', 'desc'),
    page,
  ).execute();
  return rows.map(toAuditEntry);
}
