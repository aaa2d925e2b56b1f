import { CliError, EXIT } from './exit-codes.ts';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
export const WHEN_FORMS = '7d, 24h, 30m, 2w, now, today, yesterday, 2026-03-01 or 2026-03-01T08:00:00Z';

const utcMidnight = (d: Date, daysBack = 0) =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - daysBack));

/**
 * A point in time as an operator types it: an amount ago (`7d`, `24h`, `30m`, `90s`, `2w`), `now`,
 * `today` or `yesterday` (UTC midnight, as the usage report's days), an ISO date (UTC midnight)
 * or an ISO date-time (UTC unless it has an offset). Anything else is a usage error naming the option: no guessing at
 * locale-dependent forms such as "03/04".
 */
export function parseWhen(text: string, option: string, now: Date = new Date()): string {
  const t = text.trim().toLowerCase();
  const ago = /^(\d+)\s*([smhdw])$/.exec(t);
  let at: Date | undefined;
  if (ago) at = new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]);
  else if (t === 'now') at = now;
  else if (t === 'today') at = utcMidnight(now);
  else if (t === 'yesterday') at = utcMidnight(now, 1);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const d = new Date(`${t}T00:00:00Z`);
    // 2026-02-31 is not a day (Date would roll it over to March).
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(t)) at = d;
  } else if (/^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$/.test(t)) {
    // Without an offset a time is UTC, like every time the gateway shows (Date would take it as local).
    const iso = t.replace(' ', 't').toUpperCase();
    const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(d.getTime())) at = d;
  }
  if (!at || Number.isNaN(at.getTime()))
    throw new CliError(`${option}: cannot read "${text}" as a time; use ${WHEN_FORMS}`, EXIT.USAGE);
  return at.toISOString();
}
