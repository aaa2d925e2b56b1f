export interface Io {
  out(text: string): void;
  err(text: string): void;
  json: boolean;
  /** Progress bars only on a terminal. */
  tty: boolean;
}

/** Plain fixed-width tables: readable in a terminal and in a log. */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    `${values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return (
    line(cols) +
    line(widths.map((w) => '-'.repeat(w))) +
    rows.map((r) => line(cols.map((c) => cell(r[c])))).join('')
  );
}

/** `[#######...] 72%` of a quota used. */
export function quotaBar(used: number, limit: number, width = 20): string {
  const share = limit > 0 ? Math.min(1, Math.max(0, used / limit)) : 1;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%`;
}

export function emit(io: Io, value: unknown, render: () => string): void {
  io.out(io.json ? `${JSON.stringify(value, null, 2)}\n` : render());
}
