import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { END, envRows, README, renderEnvTable, START, withFreshTable } from '../scripts/env-table.ts';
import { EnvSchema } from '../src/env.ts';

const ENV_SOURCE = fileURLToPath(new URL('../src/env.ts', import.meta.url));

/** The variables env.ts declares, read from its text: the keys of `EnvSchema = z.object({ … })`. */
function schemaKeysInSource(): string[] {
  const source = readFileSync(ENV_SOURCE, 'utf8');
  const start = source.indexOf('const EnvSchema = z.object({');
  const end = source.indexOf('\n});', start);
  expect(start, 'env.ts declares EnvSchema = z.object({ … })').toBeGreaterThan(-1);
  return [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
}

/** The variables README's generated table lists, in order. */
function readmeTableKeys(readme: string): string[] {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  expect(start, `README.md keeps the ${START} marker`).toBeGreaterThan(-1);
  return [...readme.slice(start, end).matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1]!);
}

describe('the environment variable table in README.md', () => {
  it('lists every variable env.ts reads, and no other', () => {
    const declared = schemaKeysInSource();
    // The text and the schema agree, so this check cannot miss a field written another way.
    expect(declared).toEqual(Object.keys(EnvSchema.shape));
    const listed = readmeTableKeys(readFileSync(README, 'utf8'));
    const missing = declared.filter((k) => !listed.includes(k));
    expect(missing, 'missing from README.md: run pnpm --filter @invoicegw/server env:table').toEqual([]);
    expect(listed).toEqual(declared);
  });

  it('is what env:table generates from the schema (descriptions, defaults, bounds)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withFreshTable(readme) === readme, 'stale: run pnpm --filter @invoicegw/server env:table').toBe(
      true,
    );
  });

  it('describes every variable and shows its default and what it accepts', () => {
    const rows = new Map(envRows().map((r) => [r.variable, r]));
    expect(rows.size).toBe(Object.keys(EnvSchema.shape).length);
    for (const row of rows.values()) expect(row.meaning.length, row.variable).toBeGreaterThan(20);
    expect(rows.get('`PORT`')).toMatchObject({ default: '`8000`', accepts: 'integer 0–65,535' });
    expect(rows.get('`NODE_ENV`')?.accepts).toBe('`development`, `production`, `test`');
    expect(rows.get('`REQUIRE_CLIENT_KEYS`')).toMatchObject({
      default: '`false`',
      accepts: '`true` or `false`',
    });
    expect(rows.get('`MAX_UPLOAD_MB`')?.accepts).toBe('number > 0, ≤ 100');
    expect(rows.get('`GEMINI_BASE_URL`')).toMatchObject({ default: 'unset', accepts: 'a URL' });
    expect(rows.get('`TOKEN_ENCRYPTION_KEY`')?.meaning).toMatch(/64 hex characters or base64/);
    // A pipe in a cell would split it.
    expect(
      renderEnvTable()
        .split('\n')
        .every((line) => line.startsWith('| ') && line.endsWith(' |')),
    ).toBe(true);
  });
});
