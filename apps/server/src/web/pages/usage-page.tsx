/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { TokenRow, UsageRow } from '../caller.ts';
import { RangeFields } from '../components/range-field.tsx';
import { type DayTotal, UsageChart } from '../components/usage-chart.tsx';
import { int, utc } from '../format.ts';

export const USAGE_RANGES = [7, 30, 90] as const;

export interface UsagePageProps {
  company?: string | undefined;
  tokenId?: number | undefined;
  range: number;
  days: readonly DayTotal[];
  byCompany: readonly UsageRow[];
  byKey: readonly UsageRow[];
  tokens: readonly TokenRow[];
}

function TotalsTable({
  rows,
  first,
  name,
}: {
  rows: readonly UsageRow[];
  first: string;
  name: (key: string) => unknown;
}) {
  if (rows.length === 0) return <p class="muted">No usage in this range.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{first}</th>
            <th scope="col" class="num">
              Requests
            </th>
            <th scope="col" class="num">
              Input
            </th>
            <th scope="col" class="num">
              Output
            </th>
            <th scope="col" class="num">
              Total tokens
            </th>
            <th scope="col" class="num">
              Presumed
            </th>
            <th scope="col">Last</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <th scope="row">{name(r.key)}</th>
              <td class="num">{int(r.requests)}</td>
              <td class="num">{int(r.inputTokens)}</td>
              <td class="num">{int(r.outputTokens)}</td>
              <td class="num">{int(r.totalTokens)}</td>
              <td class="num">{r.presumedTokens > 0 ? <strong>{int(r.presumedTokens)}</strong> : '0'}</td>
              <td>{utc(r.lastAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Tokens per day for a company or a key, totals per company and key, and presumed charges. */
export function UsagePage({ company, tokenId, range, days, byCompany, byKey, tokens }: UsagePageProps) {
  const companies = [...new Set(tokens.map((t) => t.companyId))].sort();
  const keysShown = company ? tokens.filter((t) => t.companyId === company) : tokens;
  const hint = new Map(tokens.map((t) => [String(t.tokenId), t]));
  const presumed = byKey.reduce((n, r) => n + r.presumedTokens, 0);
  const scope = tokenId ? `Key #${tokenId}` : company ? `Company ${company}` : 'All companies';
  return (
    <>
      <h1>Usage</h1>
      <form class="card row" method="get" action="/ui/usage">
        <div>
          <label for="usage-company">Company</label>
          <select id="usage-company" name="company">
            <option value="">All companies</option>
            {companies.map((id) => (
              <option value={id} selected={id === company}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="usage-key">Key</label>
          <select id="usage-key" name="key">
            <option value="">All keys</option>
            {keysShown.map((t) => (
              <option value={String(t.tokenId)} selected={t.tokenId === tokenId}>
                {`#${t.tokenId} ${t.keyHint ?? ''} (${t.companyId})`}
              </option>
            ))}
          </select>
        </div>
        <RangeFields id="usage-range" ranges={USAGE_RANGES} range={range} />
      </form>

      <section class="card" aria-labelledby="per-day">
        <h2 id="per-day">
          {scope}: tokens per day, last {range} days
        </h2>
        <UsageChart days={days} label={scope} />
      </section>

      <section aria-labelledby="presumed">
        <h2 id="presumed">Presumed charges</h2>
        <p>
          {presumed > 0
            ? `${int(presumed)} tokens in this range were charged as presumed usage: a call was dispatched and no answer came (timeout, crash), so the hold was charged in full rather than lost.`
            : 'No presumed charges in this range: every charge is what the provider reported.'}
        </p>
      </section>

      <h2>Per company</h2>
      <TotalsTable rows={byCompany} first="Company" name={(key) => key} />
      <h2>Per key</h2>
      <TotalsTable
        rows={byKey}
        first="Key"
        name={(key) => {
          const t = hint.get(key);
          return (
            <a href={`/ui/keys/${key}`}>
              #{key} {t?.keyHint ?? ''} {t ? <span class="muted">({t.companyId})</span> : null}
            </a>
          );
        }}
      />
    </>
  );
}
