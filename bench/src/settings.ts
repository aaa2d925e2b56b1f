// Every count the bench uses, from the environment; BENCH_QUICK=1 (or --quick) is a ~1-minute smoke run.
const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

function count(name: string, full: number, quick: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : full;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0 (got "${raw}")`);
  return n;
}

export const settings = {
  quick: QUICK,
  /** Requests per throughput cell (each of direct, gateway, Portkey × file × concurrency). */
  count: count('BENCH_COUNT', 150, 30),
  /** Turns per throughput cell: direct, gateway and Portkey take slices of it by turns. */
  rounds: count('BENCH_ROUNDS', 3, 1),
  /** Calls before each measured cell, one at a time. */
  warmup: count('BENCH_WARMUP', 15, 3),
  /** Calls of each file before the first CPU row, so the JIT has warmed the path. */
  cpuWarmup: count('BENCH_CPU_WARMUP', 30, 5),
  /** Sequential requests per CPU row, per file size. */
  cpu: {
    '50 KB': count('BENCH_CPU_SMALL', 200, 40),
    '500 KB': count('BENCH_CPU_MEDIUM', 100, 20),
    '5 MB': count('BENCH_CPU_LARGE', 20, 5),
  } as Record<string, number>,
  /** Idle time over which the baseline CPU rate is measured before each CPU row. */
  idleMs: count('BENCH_IDLE_MS', 2000, 500),
  /** Sequential 500 KB requests in the profiled run. */
  profile: count('BENCH_PROFILE', 100, 20),
  /** Extractions held at once against the slow provider. */
  slowConcurrent: count('BENCH_SLOW_CONCURRENT', 1000, 200),
  /** How long the slow provider takes to answer. */
  slowDelayMs: count('BENCH_SLOW_DELAY_MS', 3000, 3000),
  /** Run the slow burst a second time on a profiled gateway (0: no). */
  slowProfile: count('BENCH_SLOW_PROFILE', 1, 0) > 0,
  /** Uploads in flight at once in the memory rows. */
  memoryInFlight: count('BENCH_MEMORY_IN_FLIGHT', 4, 4),
  /** Requests per scale row (gateway and direct each). */
  scaleCount: count('BENCH_SCALE_COUNT', 100, 20),
  /** Keys in the database in the scale rows; 0 skips them. */
  scaleKeys: (process.env.BENCH_SCALE_KEYS ?? (QUICK ? '' : '10,1000,10000'))
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0),
  /** Portkey off: BENCH_PORTKEY=0. */
  portkey: process.env.BENCH_PORTKEY !== '0',
  /**
   * Results file name under bench/results/. A quick run's figures are rough: they go to the
   * git-ignored tmp/, never over latest.*; only a run written to latest updates the README.
   */
  out: (process.env.BENCH_OUT ?? (QUICK ? 'tmp/quick' : 'latest'))
    .replace(/[^\w/-]/g, '')
    .replace(/^\/+|\.\./g, ''),
  /** Write the README's marked block from a run written to latest (off: BENCH_README=0). */
  readme: process.env.BENCH_README !== '0',
};
