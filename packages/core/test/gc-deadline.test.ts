import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RUNNER = fileURLToPath(new URL('./fixtures/gc-deadline-runs.ts', import.meta.url));
const RUNS = 50;

interface Run {
  run: number;
  deadlineMs: number;
  elapsedMs: number;
  code: string;
  swept: number;
  open: number;
}

function runUnderGc(seed: number): Promise<{ code: number | null; runs: Run[]; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'igw-gc-'));
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--conditions=source',
        '--import',
        'tsx',
        RUNNER,
        join(dir, 'gc.sqlite'),
        String(RUNS),
        String(seed),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      const runs = output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Run);
      resolve({ code, runs, output });
    });
  });
}

describe('deadlines that cannot be lost', () => {
  it(`under forced GC a hanging call ends at its deadline and its hold is never swept (${RUNS} seeded runs)`, async () => {
    const { code, runs, output } = await runUnderGc(20261201);
    expect(code, output).toBe(0);
    expect(runs).toHaveLength(RUNS);
    for (const r of runs) {
      // AbortSignal.timeout under GC never fired here: the call hung until the attempt timeout (60 s).
      expect(r.code, JSON.stringify(r)).toBe('PROVIDER_TIMEOUT');
      // Late by at most a loaded machine's scheduling; the hold (deadline + 1.5 s) is never reached.
      expect(r.elapsedMs, JSON.stringify(r)).toBeLessThan(r.deadlineMs + 1500);
      expect(r.swept, JSON.stringify(r)).toBe(0);
      expect(r.open, JSON.stringify(r)).toBe(0);
    }
  }, 180_000);
});
