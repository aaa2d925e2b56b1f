/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { AuditRow } from '../caller.ts';
import { utc } from '../format.ts';

const show = (v: unknown) => {
  const text = v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

/** What a change changed: the fields whose before and after differ (snapshots hold no key). */
export function changes(before: unknown, after: unknown): string[] {
  const b = before && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const a = after && typeof after === 'object' ? (after as Record<string, unknown>) : {};
  if (!before && !after) return [];
  if (!before) return Object.keys(a).length ? ['created'] : [];
  if (!after) return ['removed'];
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => `${k}: ${show(b[k])} → ${show(a[k])}`);
}

export function AuditTable({ rows }: { rows: readonly AuditRow[] }) {
  if (rows.length === 0) return <p class="muted">No changes recorded.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Key</th>
            <th scope="col">Company</th>
            <th scope="col">Reason</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{utc(r.createdAt)}</td>
              <td>{r.actor}</td>
              <td>{r.action}</td>
              <td>{r.tokenId ? <a href={`/ui/keys/${r.tokenId}`}>#{r.tokenId}</a> : '—'}</td>
              <td>{r.companyId ?? '—'}</td>
              <td class="msg">{r.reason ?? ''}</td>
              <td class="msg">
                {changes(r.before, r.after).map((line) => (
                  <div>{line}</div>
                ))}
                {r.requestId ? <div class="muted">request {r.requestId}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface AuditPageProps {
  rows: readonly AuditRow[];
  company?: string | undefined;
  tokenId?: number | undefined;
  action?: string | undefined;
  offset: number;
  pageSize: number;
}

/** Who changed what, newest first, with filters and paging. */
export function AuditPage({ rows, company, tokenId, action, offset, pageSize }: AuditPageProps) {
  const query = (at: number) => {
    const q = new URLSearchParams();
    if (company) q.set('company', company);
    if (tokenId) q.set('key', String(tokenId));
    if (action) q.set('action', action);
    if (at > 0) q.set('offset', String(at));
    const s = q.toString();
    return s ? `/ui/audit?${s}` : '/ui/audit';
  };
  return (
    <>
      <h1>Audit trail</h1>
      <form class="card row" method="get" action="/ui/audit">
        <div>
          <label for="audit-company">Company</label>
          <input id="audit-company" name="company" type="text" value={company ?? ''} />
        </div>
        <div>
          <label for="audit-key">Key id</label>
          <input id="audit-key" name="key" type="number" min="1" value={tokenId ? String(tokenId) : ''} />
        </div>
        <div>
          <label for="audit-action">Action</label>
          <input
            id="audit-action"
            name="action"
            type="text"
            value={action ?? ''}
            placeholder="e.g. token.rotate"
          />
        </div>
        <div>
          <button type="submit" class="secondary">
            Filter
          </button>
        </div>
      </form>
      <AuditTable rows={rows} />
      <nav class="pager" aria-label="Audit pages">
        {offset > 0 ? <a href={query(Math.max(0, offset - pageSize))}>Newer</a> : null}
        {rows.length === pageSize ? <a href={query(offset + pageSize)}>Older</a> : null}
      </nav>
    </>
  );
}
