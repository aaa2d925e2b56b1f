/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { TokenRow } from '../caller.ts';
import { Notice } from '../components/messages.tsx';
import { QuotaBar, QuotaLegend } from '../components/quota-bar.tsx';
import { int, isPast, relative, utc } from '../format.ts';

export interface CompanyTotals {
  companyId: string;
  totalRequests: number;
  totalTokensUsed: number;
  lastUsed: string | null;
}

export interface TokensPageProps {
  tokens: readonly TokenRow[];
  companies: readonly CompanyTotals[];
  now: number;
  company?: string | undefined;
  includeRemoved: boolean;
  notice?: string | undefined;
}

/** Status, expiry, rotation and cooldown of one key, as short text. */
export function KeyState({
  t,
  replacedBy,
  now,
}: {
  t: TokenRow;
  replacedBy?: number | undefined;
  now: number;
}) {
  return (
    <>
      <span class={`badge ${t.status}`}>{t.status}</span>
      {t.health && t.health !== t.status ? <span class="muted"> {t.health}</span> : null}
      {t.deletedAt ? <div class="muted">removed {utc(t.deletedAt)}</div> : null}
      {t.statusReason ? <div class="muted">{t.statusReason}</div> : null}
      {t.retiresAt ? (
        <div class="muted">
          rotation: {isPast(t.retiresAt, now) ? 'retired' : 'retires'} {utc(t.retiresAt)}
          {replacedBy ? ` → key #${replacedBy}` : ''}
        </div>
      ) : null}
      {t.rotatedFromTokenId ? <div class="muted">replaces key #{t.rotatedFromTokenId}</div> : null}
      {t.cooldownUntil && !isPast(t.cooldownUntil, now) ? (
        <div class="muted">cooling down until {utc(t.cooldownUntil)}</div>
      ) : null}
    </>
  );
}

function KeyTable({
  tokens,
  now,
  all,
}: {
  tokens: readonly TokenRow[];
  now: number;
  all: readonly TokenRow[];
}) {
  return (
    <div class="table-wrap">
      <table class="keys">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Status</th>
            <th scope="col">Quota (used / held / left)</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => {
            const replacedBy = all.find((o) => o.rotatedFromTokenId === t.tokenId)?.tokenId;
            return (
              <tr>
                <th scope="row">
                  #{t.tokenId} <code>{t.keyHint ?? '—'}</code>
                  <div class="muted">{t.provider}</div>
                </th>
                <td data-label="Status">
                  <KeyState t={t} replacedBy={replacedBy} now={now} />
                </td>
                <td data-label="Quota">
                  <QuotaBar
                    limit={t.totalTokenLimit}
                    used={t.usage?.used ?? 0}
                    held={t.usage?.reserved ?? 0}
                    threshold={t.usage?.threshold}
                  />
                  {t.window ? (
                    <div class="muted">
                      {t.budgetPeriod} budget, starts over {relative(t.window.nextResetAt, now)}
                    </div>
                  ) : null}
                </td>
                <td data-label="Expires">
                  {t.expiresAt ? (
                    <>
                      {utc(t.expiresAt)}
                      <div class="muted">{relative(t.expiresAt, now)}</div>
                    </>
                  ) : (
                    'never'
                  )}
                </td>
                <td data-label="Last used">
                  {utc(t.usage?.lastUsedAt)}
                  <div class="muted">{int(t.usage?.requests ?? 0)} requests</div>
                </td>
                <td>
                  <a href={`/ui/keys/${t.tokenId}`} aria-label={`Manage key #${t.tokenId}`}>
                    Manage
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Companies and their keys, each with its quota bar, status, expiry, rotation and cooldown. */
export function TokensPage({ tokens, companies, now, company, includeRemoved, notice }: TokensPageProps) {
  const ids = [...new Set(tokens.map((t) => t.companyId))].sort();
  const totals = new Map(companies.map((c) => [c.companyId, c]));
  return (
    <>
      <h1>Companies and keys</h1>
      <Notice text={notice} />
      <form class="card row" method="get" action="/ui">
        <div>
          <label for="company">Company</label>
          <input id="company" name="company" type="text" value={company ?? ''} placeholder="all companies" />
        </div>
        <div>
          <label class="check" for="include-removed">
            <input
              id="include-removed"
              name="includeRemoved"
              type="checkbox"
              value="true"
              checked={includeRemoved}
            />
            Include removed keys
          </label>
        </div>
        <div>
          <button type="submit" class="secondary">
            Show
          </button>
        </div>
      </form>
      <QuotaLegend />
      {ids.length === 0 ? (
        <p>
          No keys yet. Add one with <code>ocr-ops tokens add</code> or <code>POST /v1/tokens</code>.
        </p>
      ) : null}
      {ids.map((id) => {
        const keys = tokens.filter((t) => t.companyId === id);
        const name = keys.find((k) => k.companyName)?.companyName;
        const usage = totals.get(id);
        const active = keys.filter((k) => k.status === 'Active').length;
        // A key being rotated out handed what it had left to its successor: counted once.
        const left = keys
          .filter((k) => k.status === 'Active' && !k.retiresAt)
          .reduce(
            (n, k) => n + Math.max(0, k.totalTokenLimit - (k.usage?.used ?? 0) - (k.usage?.reserved ?? 0)),
            0,
          );
        return (
          <section class="company" aria-labelledby={`company-${id}`}>
            <h2 id={`company-${id}`}>
              {id}
              {name ? <span class="muted"> · {name}</span> : null}
            </h2>
            <p class="muted">
              {keys.length} key(s), {active} active, {int(left)} tokens left on active keys not being retired
              {usage
                ? ` · ${int(usage.totalRequests)} request(s), ${int(usage.totalTokensUsed)} tokens used, last ${utc(usage.lastUsed)}`
                : ''}{' '}
              · <a href={`/ui/usage?company=${encodeURIComponent(id)}`}>usage of {id}</a>
            </p>
            <KeyTable tokens={keys} now={now} all={tokens} />
          </section>
        );
      })}
    </>
  );
}
