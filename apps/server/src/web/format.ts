// Plain text helpers for the dashboard's pages (the JSX escapes whatever they return).

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const int = (n: number | null | undefined) => (n === null || n === undefined ? '—' : INT.format(n));

/** `2026-05-01 12:30 UTC`: one time zone for every operator, as the logs and the database use. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-05-01T12:30:05`: the log tail's compact form. */
export const utcSeconds = (iso: string) => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

/** `in 3 h` / `5 min ago`. */
export function relative(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const text =
    abs < 90_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 5_400_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 172_800_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} days`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export const isPast = (iso: string | null | undefined, now: number) =>
  !!iso && new Date(iso).getTime() <= now;

/** A form's text field: trimmed, with empty as undefined. */
export function field(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** A number field as the procedures expect it (their schemas refuse what is not a whole number). */
export function numberField(body: Record<string, unknown>, name: string): number | undefined {
  const v = field(body, name);
  return v === undefined ? undefined : Number(v);
}

/** `<input type="datetime-local">` gives `2026-05-01T12:30` without a zone; the form says UTC. */
export function utcInput(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(value);
  return m ? `${m[1]}${m[2] ?? ':00'}Z` : value;
}

/** The value a datetime-local input shows for a stored date. */
export const localInputValue = (iso: string | null | undefined) =>
  iso ? new Date(iso).toISOString().slice(0, 16) : '';

/** A query parameter as a positive row id, or undefined. */
export function idParam(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && n <= 2_147_483_647 ? n : undefined;
}

export const daysAgo = (now: number, days: number) => new Date(now - days * 86_400_000);
