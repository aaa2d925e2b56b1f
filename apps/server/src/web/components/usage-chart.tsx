/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { int } from '../format.ts';

export interface DayTotal {
  /** YYYY-MM-DD (UTC). */
  key: string;
  requests: number;
  totalTokens: number;
  presumedTokens: number;
}

const DAY = 86_400_000;

/** Every UTC day from `from` to `to`, with zero for days without usage. */
export function fillDays(rows: readonly DayTotal[], from: Date, to: Date): DayTotal[] {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const out: DayTotal[] = [];
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let t = start; t <= to.getTime(); t += DAY) {
    const key = new Date(t).toISOString().slice(0, 10);
    out.push(byDay.get(key) ?? { key, requests: 0, totalTokens: 0, presumedTokens: 0 });
  }
  return out;
}

/**
 * Tokens per day as bars (the presumed part in red on top of each), in server-drawn SVG: no
 * chart library, no script. The same figures are in a table under "Show figures".
 */
export function UsageChart({ days, label }: { days: readonly DayTotal[]; label: string }) {
  const max = Math.max(1, ...days.map((d) => d.totalTokens));
  const w = 10;
  const height = 100;
  const total = days.reduce((n, d) => n + d.totalTokens, 0);
  const presumed = days.reduce((n, d) => n + d.presumedTokens, 0);
  const summary = `${label}: ${int(total)} tokens over ${days.length} days, ${int(presumed)} presumed, busiest day ${int(max === 1 && total === 0 ? 0 : max)}`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${days.length * w} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        {days.map((d, i) => {
          const h = (d.totalTokens / max) * (height - 4);
          const p = (Math.min(d.presumedTokens, d.totalTokens) / max) * (height - 4);
          return (
            <g>
              <title>{`${d.key}: ${int(d.totalTokens)} tokens (${int(d.presumedTokens)} presumed), ${int(d.requests)} requests`}</title>
              <rect
                class="tokens"
                x={String(i * w + 1)}
                y={String(height - h)}
                width={String(w - 2)}
                height={String(h)}
              />
              {p > 0 ? (
                <rect
                  class="presumed"
                  x={String(i * w + 1)}
                  y={String(height - h)}
                  width={String(w - 2)}
                  height={String(p)}
                />
              ) : null}
            </g>
          );
        })}
      </svg>
      <div class="axis">
        <span>{days[0]?.key}</span>
        <span>max {int(max === 1 && total === 0 ? 0 : max)} tokens/day</span>
        <span>{days[days.length - 1]?.key}</span>
      </div>
      <figcaption class="legend">
        <span>
          <span class="swatch tokens" />
          tokens charged
        </span>
        <span>
          <span class="swatch presumed" />
          of which presumed (dispatched, no answer)
        </span>
      </figcaption>
      <details>
        <summary>Show figures</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col" class="num">
                  Requests
                </th>
                <th scope="col" class="num">
                  Tokens
                </th>
                <th scope="col" class="num">
                  Presumed
                </th>
              </tr>
            </thead>
            <tbody>
              {days
                .filter((d) => d.requests > 0 || d.totalTokens > 0)
                .map((d) => (
                  <tr>
                    <td>{d.key}</td>
                    <td class="num">{int(d.requests)}</td>
                    <td class="num">{int(d.totalTokens)}</td>
                    <td class="num">{int(d.presumedTokens)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
