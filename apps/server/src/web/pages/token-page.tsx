/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { AuditRow, BudgetWindowRow, TokenRow } from '../caller.ts';
import { Alert, Notice } from '../components/messages.tsx';
import { QuotaBar } from '../components/quota-bar.tsx';
import { type DayTotal, UsageChart } from '../components/usage-chart.tsx';
import { int, localInputValue, relative, utc } from '../format.ts';
import { AuditTable } from './audit-page.tsx';
import { KeyState } from './tokens-page.tsx';

export interface TokenPageProps {
  token: TokenRow;
  /** The key that replaced this one in a rotation, if any. */
  replacedBy?: number | undefined;
  days: readonly DayTotal[];
  audit: readonly AuditRow[];
  /** Closed budget windows, newest first (none without a budget period). */
  windows?: readonly BudgetWindowRow[] | undefined;
  now: number;
  notice?: string | undefined;
  error?: string | undefined;
}

function Reason({ id }: { id: string }) {
  return (
    <>
      <label for={id}>
        Reason <span class="hint">(optional, kept in the audit trail)</span>
      </label>
      <input id={id} name="reason" type="text" maxlength={1000} />
    </>
  );
}

/** One key: its figures, its usage, its history, and every change an operator may make. */
const PERIODS = ['none', 'daily', 'weekly', 'monthly'] as const;
const PER: Record<string, string> = { daily: 'day', weekly: 'week', monthly: 'month' };

/** What the budget period means for this key, in words. */
function budgetText(t: TokenRow, now: number): string {
  if (!t.window || t.budgetPeriod === 'none') return 'none: the limit never starts over';
  return `${t.budgetPeriod} (${t.budgetTimeZone}); this window since ${utc(t.window.startedAt)}, starts over ${utc(t.window.nextResetAt)} (${relative(t.window.nextResetAt, now)})`;
}

function BudgetWindows({ rows }: { rows: readonly BudgetWindowRow[] }) {
  if (rows.length === 0) return <p class="muted">No closed windows yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Used</th>
          <th scope="col">Limit</th>
          <th scope="col">Requests</th>
          <th scope="col">Carried by rotation</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((w) => (
          <tr>
            <td>{utc(w.windowStart)}</td>
            <td>{utc(w.windowEnd)}</td>
            <td>{int(w.tokensUsed)}</td>
            <td>{int(w.tokenLimit)}</td>
            <td>{int(w.requestCount)}</td>
            <td>{int(w.carriedTokens)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What Gemini last said about the key (at add, rotate or a check). */
function LastCheck({ token }: { token: TokenRow }) {
  if (!token.lastVerifiedAt || !token.lastVerifyResult) return <span class="muted">never</span>;
  const [state, ...rest] = token.lastVerifyResult.split(' ');
  return (
    <span>
      <strong>{state}</strong> {rest.join(' ')} at <time>{token.lastVerifiedAt}</time>
    </span>
  );
}

export function TokenPage({
  token: t,
  replacedBy,
  days,
  audit,
  windows,
  now,
  notice,
  error,
}: TokenPageProps) {
  const base = `/ui/keys/${t.tokenId}`;
  const enabled = t.status === 'Active';
  return (
    <>
      <p>
        <a href="/ui">← All keys</a>
      </p>
      <h1>
        Key #{t.tokenId} <code>{t.keyHint ?? ''}</code> · {t.companyId}
      </h1>
      <Notice text={notice} />
      <Alert text={error} />
      <div class="grid">
        <section class="card" aria-labelledby="facts">
          <h2 id="facts">Now</h2>
          <QuotaBar
            limit={t.totalTokenLimit}
            used={t.usage?.used ?? 0}
            held={t.usage?.reserved ?? 0}
            threshold={t.usage?.threshold}
          />
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <KeyState t={t} replacedBy={replacedBy} now={now} />
            </dd>
            <dt>Company</dt>
            <dd>
              {t.companyId}
              {t.companyName ? ` · ${t.companyName}` : ''}
            </dd>
            <dt>Limit</dt>
            <dd>
              {int(t.totalTokenLimit)} tokens{t.window ? ` per ${PER[t.budgetPeriod] ?? t.budgetPeriod}` : ''}
            </dd>
            <dt>Budget period</dt>
            <dd>{budgetText(t, now)}</dd>
            <dt>Threshold</dt>
            <dd>{int(t.usage?.threshold)} tokens</dd>
            <dt>Expires</dt>
            <dd>{t.expiresAt ? `${utc(t.expiresAt)} (${relative(t.expiresAt, now)})` : 'never'}</dd>
            <dt>Requests</dt>
            <dd>
              {int(t.usage?.requests ?? 0)}, last {utc(t.usage?.lastUsedAt)}
            </dd>
            <dt>Created</dt>
            <dd>{utc(t.createdAt)}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="usage-30">
          <h2 id="usage-30">Usage, last 30 days</h2>
          <UsageChart days={days} label={`Key #${t.tokenId}`} />
        </section>
      </div>

      <h2>Change this key</h2>
      <div class="grid">
        <form class="card" method="post" action={`${base}/status`} aria-labelledby="status-h">
          <h3 id="status-h">{enabled ? 'Disable' : 'Enable'}</h3>
          <p class="muted">
            {enabled
              ? 'A disabled key takes no new requests; requests in flight finish.'
              : `This key is ${t.status}; enabling makes it Active again.`}
          </p>
          <input type="hidden" name="status" value={enabled ? 'Disabled' : 'Active'} />
          <Reason id="status-reason" />
          <button type="submit" class={enabled ? 'danger' : undefined}>
            {enabled ? 'Disable key' : 'Enable key'}
          </button>
        </form>

        <form class="card" method="post" action={`${base}/limit`} aria-labelledby="limit-h">
          <h3 id="limit-h">Limit and threshold</h3>
          <label for="limit">Total token limit</label>
          <input
            id="limit"
            name="totalTokenLimit"
            type="number"
            min="0"
            max="2000000000"
            step="1"
            required
            value={String(t.totalTokenLimit)}
          />
          <label for="threshold">
            Warning threshold <span class="hint">(tokens left that trigger the warning)</span>
          </label>
          <input
            id="threshold"
            name="threshold"
            type="number"
            min="0"
            max="2000000000"
            step="1"
            value={t.usage ? String(t.usage.threshold) : ''}
          />
          <Reason id="limit-reason" />
          <button type="submit">Save limit</button>
        </form>

        <form class="card" method="post" action={`${base}/budget`} aria-labelledby="budget-h">
          <h3 id="budget-h">Budget period</h3>
          <p class="muted">
            The limit starts over at midnight in the time zone: every day, every Monday or on the 1st.
            Requests in flight at the reset are charged to the window they started in.
          </p>
          <label for="period">Period</label>
          <select id="period" name="period">
            {PERIODS.map((p) => (
              <option value={p} selected={t.budgetPeriod === p}>
                {p}
              </option>
            ))}
          </select>
          <label for="time-zone">
            Time zone <span class="hint">(IANA, e.g. Europe/Berlin)</span>
          </label>
          <input id="time-zone" name="timeZone" type="text" maxlength={64} value={t.budgetTimeZone} />
          <Reason id="budget-reason" />
          <button type="submit">Save budget period</button>
        </form>

        <form class="card" method="post" action={`${base}/expiry`} aria-labelledby="expiry-h">
          <h3 id="expiry-h">Expiry</h3>
          <label for="expires-at">
            Expires at <span class="hint">(UTC)</span>
          </label>
          <input
            id="expires-at"
            name="expiresAt"
            type="datetime-local"
            value={localInputValue(t.expiresAt)}
          />
          <Reason id="expiry-reason" />
          <div class="row">
            <button type="submit" name="action" value="set">
              Set expiry
            </button>
            <button type="submit" name="action" value="clear" class="secondary">
              Never expire
            </button>
          </div>
        </form>

        <form
          class="card"
          method="post"
          action={`${base}/rotate`}
          autocomplete="off"
          aria-labelledby="rotate-h"
        >
          <h3 id="rotate-h">Rotate</h3>
          <p class="muted">
            The new key takes new requests at once; this one serves requests in flight for the grace period,
            then retires. The new key is stored encrypted and never shown again.
          </p>
          <label for="new-key">New API key</label>
          <input
            id="new-key"
            name="newApiKey"
            type="password"
            autocomplete="new-password"
            spellcheck={false}
            required
          />
          <label for="grace">Grace period (seconds)</label>
          <input id="grace" name="graceSeconds" type="number" min="0" max="2592000" step="1" value="300" />
          <label for="new-limit">
            New key's limit <span class="hint">(empty: what this key has left)</span>
          </label>
          <input id="new-limit" name="totalTokenLimit" type="number" min="0" max="2000000000" step="1" />
          <label>
            <input type="checkbox" name="force" value="1" /> Rotate in even if Gemini rejects the new key or
            cannot be asked (recorded in the audit trail)
          </label>
          <Reason id="rotate-reason" />
          <button type="submit">Rotate key</button>
        </form>

        <form class="card" method="post" action={`${base}/verify`} aria-labelledby="verify-h">
          <h3 id="verify-h">Check with Gemini</h3>
          <p class="muted">A free countTokens call with this key: is it valid, revoked, or out of quota?</p>
          <p>
            Last checked with Gemini: <LastCheck token={t} />
          </p>
          <button type="submit" class="secondary">
            Check now
          </button>
        </form>
      </div>

      {t.window || (windows && windows.length > 0) ? (
        <>
          <h2 id="budget-windows">Closed budget windows</h2>
          <BudgetWindows rows={windows ?? []} />
        </>
      ) : null}

      <h2 id="history">History</h2>
      <AuditTable rows={audit} />
      <p>
        <a href={`/ui/audit?key=${t.tokenId}`}>Full audit trail of key #{t.tokenId}</a>
      </p>
    </>
  );
}
