import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './report.ts';
import { writeResults } from './write-results.ts';

// `tsx src/render.ts [name]`: writes <name>.md, .svg (and README's block for latest) again from
// <name>.json, after a change to the report's wording, without measuring again.
const name = (process.argv[2] ?? 'latest').replace(/[^\w/-]/g, '');
const file = fileURLToPath(new URL(`../results/${name}.json`, import.meta.url));
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
const wrote = writeResults(result, name, name === 'latest', (l) => process.stderr.write(`${l}\n`));
process.stderr.write(`rendered bench/results/${name}.{md,svg}${wrote ? ' and README.md' : ''}\n`);
