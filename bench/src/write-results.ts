import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overheadChart } from './chart.ts';
import { type BenchResult, readmeBlock, resultsMarkdown } from './report.ts';

const OUT = fileURLToPath(new URL('../results/', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The repository's formatter over what was written, so `pnpm lint` stays green after a run. */
function format(files: string[], log: (line: string) => void): void {
  try {
    execFileSync(`${ROOT}node_modules/.bin/biome`, ['format', '--write', ...files], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  } catch {
    log(`could not format ${files.join(', ')}: run pnpm format`);
  }
}

/** bench/results/<name>.{json,md,svg}, and README.md's marked block when asked; true if README was written. */
export function writeResults(
  result: BenchResult,
  name: string,
  toReadme: boolean,
  log: (line: string) => void,
): boolean {
  mkdirSync(dirname(join(OUT, name)), { recursive: true });
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(OUT, `${name}.md`), resultsMarkdown(result, `${name.split('/').pop()}.svg`));
  writeFileSync(
    join(OUT, `${name}.svg`),
    overheadChart(
      result.overhead,
      `${result.date.slice(0, 10)}, ${result.machine.cpus} cores, Node ${result.machine.node}, ${result.count} requests per point${result.quick ? ' (quick run)' : ''}`,
    ),
  );
  const written = ['json', 'md'].map((ext) => join(OUT, `${name}.${ext}`));
  if (!toReadme) {
    format(written, log);
    return false;
  }
  const readme = readFileSync(README, 'utf8');
  const block = /<!-- bench:start[\s\S]*?<!-- bench:end -->/;
  if (!block.test(readme)) {
    log('README.md has no <!-- bench:start --> … <!-- bench:end --> block; left as it is');
    format(written, log);
    return false;
  }
  writeFileSync(
    README,
    readme.replace(block, () => readmeBlock(result)),
  );
  format([...written, README], log);
  return true;
}
