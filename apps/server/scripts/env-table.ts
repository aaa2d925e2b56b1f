import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { EnvSchema } from '../src/env.ts';

// `pnpm --filter @invoicegw/server env:table`: README's table of environment variables, made from
// EnvSchema (its descriptions, defaults and bounds), written between the two markers below.
export const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
export const START =
  '<!-- env-table:start (generated from apps/server/src/env.ts: pnpm --filter @invoicegw/server env:table) -->';
export const END = '<!-- env-table:end -->';

interface Row {
  variable: string;
  default: string;
  accepts: string;
  meaning: string;
}

type Internals = { _zod: { def: Record<string, unknown> & { type: string } } };
const defOf = (schema: unknown) => (schema as Internals)._zod.def;
const code = (text: string) => `\`${text}\``;

/** What a value must look like, read from the schema's own checks. */
function accepts(schema: z.ZodType): string {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'optional':
      return accepts(def.innerType as z.ZodType);
    case 'enum':
      return Object.values(def.entries as Record<string, string>)
        .map(code)
        .join(', ');
    case 'pipe':
      // The only pipes here are booleans: true/1/yes/on, false/0/no/off.
      return schema.safeParse('yes').data === true ? '`true` or `false`' : 'text';
    case 'number': {
      const n = schema as unknown as z.ZodNumber;
      const checks = (def.checks ?? []) as Array<{ _zod: { def: { check: string; inclusive?: boolean } } }>;
      const lowerExclusive = checks.some((c) => c._zod.def.check === 'greater_than' && !c._zod.def.inclusive);
      const range = (v: number) => v.toLocaleString('en-US');
      if (n.isInt) return `integer ${range(n.minValue ?? 0)}–${range(n.maxValue ?? Number.MAX_SAFE_INTEGER)}`;
      return `number ${lowerExclusive ? '>' : '≥'} ${range(n.minValue ?? 0)}, ≤ ${range(n.maxValue ?? Infinity)}`;
    }
    case 'string':
      return (def as { format?: string }).format === 'url' ? 'a URL' : 'text';
    default:
      return 'text';
  }
}

function defaultOf(schema: z.ZodType): string {
  const def = defOf(schema);
  if (def.type !== 'default') return 'unset';
  const value = def.defaultValue;
  return code(String(value));
}

export function envRows(): Row[] {
  return Object.entries(EnvSchema.shape).map(([variable, schema]) => {
    const meaning = schema.description;
    if (!meaning) throw new Error(`${variable} has no .describe() in apps/server/src/env.ts`);
    return { variable: code(variable), default: defaultOf(schema), accepts: accepts(schema), meaning };
  });
}

/** The table as Markdown, columns padded like the README's other tables. */
export function renderEnvTable(rows = envRows()): string {
  const cells = (r: Row) => [r.variable, r.default, r.accepts, r.meaning].map((c) => c.replace(/\|/g, '\\|'));
  const header = ['variable', 'default', 'accepts', 'meaning'];
  const body = rows.map(cells);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => [...r[i]!].length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** README with the table between the markers replaced by a fresh one. */
export function withFreshTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, start + START.length)}\n\n${renderEnvTable()}\n\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--print')) {
    console.log(renderEnvTable());
  } else {
    const before = readFileSync(README, 'utf8');
    const after = withFreshTable(before);
    if (after !== before) writeFileSync(README, after);
    console.info(
      `README.md: ${envRows().length} variables ${after === before ? 'already current' : 'written'}`,
    );
  }
}
