import { type Paint, paintWord } from './colour.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  json: boolean;
  /** Progress bars only on a terminal. */
  tty: boolean;
  /** Colour for stdout and for stderr (each off for a pipe, with NO_COLOR or --no-color). */
  paint: Paint;
  paintErr: Paint;
  /** Where a key is asked for when stdin is a terminal. */
  stdin?: NodeJS.ReadStream;
}

export interface TableOptions {
  columns?: string[];
  /** Colour for the cells of `wordColumns` (statuses, health, outcomes), by the word they hold. */
  paint?: Paint;
  wordColumns?: readonly string[];
}

/** Plain fixed-width tables: readable in a terminal and in a log. */
export function table(rows: Array<Record<string, unknown>>, options: TableOptions = {}): string {
  if (rows.length === 0) return '(none)\n';
  const cols = options.columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const coloured = new Set(options.paint ? (options.wordColumns ?? []) : []);
  // Padding counts the plain text; colour codes go around it afterwards.
  const line = (values: string[], paintCells: boolean) =>
    `${values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i]! - v.length);
        return paintCells && coloured.has(cols[i]!) ? `${paintWord(options.paint!, v)}${pad}` : v + pad;
      })
      .join('  ')
      .trimEnd()}\n`;
  return (
    line(cols, false) +
    line(
      widths.map((w) => '-'.repeat(w)),
      false,
    ) +
    rows
      .map((r) =>
        line(
          cols.map((c) => cell(r[c])),
          true,
        ),
      )
      .join('')
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

/** A warning line on stderr, in yellow on a terminal. */
export function warn(io: Io, text: string): void {
  io.err(`${io.paintErr('yellow', 'ocr-ops: warning:')} ${text}\n`);
}
