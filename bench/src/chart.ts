import type { LoadResult } from './load.ts';

export interface OverheadRow {
  file: string;
  concurrency: number;
  direct: LoadResult;
  /** The same calls through one reused @google/genai client in the load generator. */
  sdk: LoadResult;
  gateway: LoadResult;
  portkey: LoadResult | null;
}

const SERIES = [
  { key: 'direct', label: 'direct (provider alone)', color: '#111827' },
  { key: 'sdk', label: 'direct via @google/genai', color: '#9ca3af' },
  { key: 'gateway', label: 'gateway', color: '#2563eb' },
  { key: 'portkey', label: 'Portkey', color: '#ea580c' },
] as const;

const W = 440;
const H = 260;
const M = { left: 56, right: 16, top: 30, bottom: 40 };

/** A round axis maximum and its ticks. */
function ticks(max: number): number[] {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => Math.round(i * step * 100) / 100);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** One panel: a value per concurrency per series, lines with dots; `dashed` draws a second line. */
function panel(
  x0: number,
  y0: number,
  title: string,
  unit: string,
  levels: number[],
  lines: Array<{ color: string; values: Array<number | null>; dashed?: boolean }>,
): string {
  const all = lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const ys = ticks(Math.max(1, ...all) * 1.05);
  const top = ys[ys.length - 1]!;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (i: number) => x0 + M.left + (levels.length === 1 ? pw / 2 : (i * pw) / (levels.length - 1));
  const py = (v: number) => y0 + M.top + ph - (v / top) * ph;
  const out = [
    `<text x="${x0 + M.left}" y="${y0 + 18}" font-size="13" font-weight="600">${esc(title)}</text>`,
    `<text x="${x0 + 12}" y="${y0 + M.top + ph / 2}" font-size="11" transform="rotate(-90 ${x0 + 12} ${y0 + M.top + ph / 2})" text-anchor="middle">${esc(unit)}</text>`,
  ];
  for (const v of ys) {
    out.push(
      `<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${py(v)}" y2="${py(v)}" stroke="#e5e7eb"/>`,
      `<text x="${x0 + M.left - 6}" y="${py(v) + 4}" font-size="10" text-anchor="end">${v}</text>`,
    );
  }
  levels.forEach((c, i) => {
    out.push(
      `<text x="${px(i)}" y="${y0 + H - M.bottom + 16}" font-size="10" text-anchor="middle">${c}</text>`,
    );
  });
  out.push(
    `<text x="${x0 + M.left + pw / 2}" y="${y0 + H - 8}" font-size="11" text-anchor="middle">concurrency</text>`,
    `<line x1="${x0 + M.left}" x2="${x0 + M.left}" y1="${y0 + M.top}" y2="${y0 + M.top + ph}" stroke="#9ca3af"/>`,
    `<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y0 + M.top + ph}" y2="${y0 + M.top + ph}" stroke="#9ca3af"/>`,
  );
  for (const l of lines) {
    const pts = l.values
      .map((v, i) => (v === null ? null : `${px(i).toFixed(1)},${py(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    if (!pts.length) continue;
    out.push(
      `<polyline points="${pts.join(' ')}" fill="none" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      ...pts.map((p) => {
        const [cx, cy] = p.split(',');
        return `<circle cx="${cx}" cy="${cy}" r="3" fill="${l.color}"/>`;
      }),
    );
  }
  return out.join('\n');
}

/** Throughput, and p50 (solid) / p95 (dashed), by concurrency, one row of panels per file. */
export function overheadChart(rows: OverheadRow[], subtitle: string): string {
  const files = [...new Set(rows.map((r) => r.file))];
  const levels = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
  const height = 60 + files.length * H + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" font-family="system-ui, sans-serif" fill="#111827">`,
    '<title>Throughput and p50/p95 latency by concurrency: direct, gateway, Portkey</title>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="22" font-size="15" font-weight="700">Direct vs gateway vs Portkey, same run, same machine</text>`,
    `<text x="16" y="40" font-size="11">${esc(subtitle)}</text>`,
  ];
  files.forEach((file, fi) => {
    const y0 = 50 + fi * H;
    const cell = (c: number) => rows.find((r) => r.file === file && r.concurrency === c);
    const value = (c: number, key: (typeof SERIES)[number]['key'], pick: (l: LoadResult) => number) => {
      const l = cell(c)?.[key];
      return l ? pick(l) : null;
    };
    parts.push(
      panel(
        0,
        y0,
        `${file}: throughput`,
        'requests/s',
        levels,
        SERIES.map((s) => ({
          color: s.color,
          values: levels.map((c) => value(c, s.key, (l) => l.throughput)),
        })),
      ),
      panel(
        W,
        y0,
        `${file}: latency p50 (solid), p95 (dashed)`,
        'ms',
        levels,
        SERIES.flatMap((s) => [
          { color: s.color, values: levels.map((c) => value(c, s.key, (l) => l.p50)) },
          { color: s.color, dashed: true, values: levels.map((c) => value(c, s.key, (l) => l.p95)) },
        ]),
      ),
    );
  });
  const ly = height - 14;
  SERIES.forEach((s, i) => {
    const lx = 16 + i * 210;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 30}" y="${ly}" font-size="12">${s.label}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
