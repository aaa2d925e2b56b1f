/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { int } from '../format.ts';

export interface QuotaFigures {
  limit: number;
  used: number;
  held: number;
  /** Warn when what is left falls to this. */
  threshold?: number | undefined;
}

const share = (n: number, of: number) => (of > 0 ? Math.max(0, Math.min(100, (n / of) * 100)) : 0);
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * A key's quota as one bar: used, held by requests in flight, and left. Drawn with SVG
 * attributes (no inline style, so the page's CSP needs no 'unsafe-inline'); the caption and
 * the accessible name carry the same figures as text.
 */
export function QuotaBar({ limit, used, held, threshold }: QuotaFigures) {
  const left = Math.max(0, limit - used - held);
  const u = share(used, limit);
  const h = Math.min(100 - u, share(held, limit));
  const l = Math.max(0, 100 - u - h);
  const low = threshold !== undefined && threshold > 0 && left <= threshold;
  const label = `Quota: ${int(used)} used, ${int(held)} held, ${int(left)} left of ${int(limit)}${low ? ' (below threshold)' : ''}`;
  return (
    <figure class="quota">
      <svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={label}>
        <rect class="used" x="0" y="0" width={String(round(u))} height="10" />
        <rect class="held" x={String(round(u))} y="0" width={String(round(h))} height="10" />
        <rect class="left" x={String(round(u + h))} y="0" width={String(round(l))} height="10" />
        {threshold && limit > 0 ? (
          <line
            class="mark"
            x1={String(round(100 - share(threshold, limit)))}
            x2={String(round(100 - share(threshold, limit)))}
            y1="0"
            y2="10"
          />
        ) : null}
      </svg>
      <figcaption>
        {int(used)} used · {int(held)} held · {int(left)} left of {int(limit)}
        {low ? <strong> · below threshold ({int(threshold)})</strong> : null}
      </figcaption>
    </figure>
  );
}

export function QuotaLegend() {
  return (
    <p class="legend">
      <span>
        <span class="swatch used" />
        used
      </span>
      <span>
        <span class="swatch held" />
        held by requests in flight
      </span>
      <span>
        <span class="swatch left" />
        left
      </span>
      <span>red mark: the warning threshold</span>
    </p>
  );
}
