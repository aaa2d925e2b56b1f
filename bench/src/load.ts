export interface LoadResult {
  count: number;
  concurrency: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  throughput: number;
  errors: number;
  /** Failed calls by code (the gateway's error code, HTTP status or socket error). */
  errorCodes: Record<string, number>;
}

/** Counts a failure under its code. */
export function countError(codes: Record<string, number>, error: unknown): void {
  const code = (error as { code?: unknown }).code;
  const key = typeof code === 'string' ? code : (error as Error).message || 'unknown';
  codes[key] = (codes[key] ?? 0) + 1;
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

interface Sample {
  latencies: number[];
  seconds: number;
  errors: number;
  errorCodes: Record<string, number>;
}

/** `count` calls by `concurrency` workers; raw latencies in ms. */
async function sample(call: () => Promise<void>, concurrency: number, count: number): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next += 1;
      const t = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t);
      } catch (error) {
        errors += 1;
        countError(errorCodes, error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, seconds: (performance.now() - started) / 1000, errors, errorCodes };
}

function summarise(samples: Sample[], concurrency: number, count: number): LoadResult {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = samples.reduce((a, s) => a + s.seconds, 0);
  const errorCodes: Record<string, number> = {};
  for (const s of samples)
    for (const [k, v] of Object.entries(s.errorCodes)) errorCodes[k] = (errorCodes[k] ?? 0) + v;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count,
    concurrency,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    throughput: round(latencies.length / seconds),
    errors: samples.reduce((a, s) => a + s.errors, 0),
    errorCodes,
  };
}

/** Fixed request count at fixed concurrency, after a warm-up; latencies in ms. */
export async function runLoad(
  call: () => Promise<void>,
  concurrency: number,
  count: number,
  warmup = 20,
): Promise<LoadResult> {
  for (let i = 0; i < warmup; i++) await call().catch(() => undefined);
  return summarise([await sample(call, concurrency, count)], concurrency, count);
}

/**
 * The same cell for several callers, taken in turns (`rounds` slices each), so a change in what
 * else the machine runs falls on all of them alike rather than on whichever ran at that moment.
 */
export async function runInterleaved<K extends string>(
  calls: Record<K, () => Promise<void>>,
  concurrency: number,
  count: number,
  warmup: number,
  rounds: number,
): Promise<Record<K, LoadResult>> {
  const keys = Object.keys(calls) as K[];
  for (const k of keys) for (let i = 0; i < warmup; i++) await calls[k]().catch(() => undefined);
  const samples = Object.fromEntries(keys.map((k) => [k, [] as Sample[]])) as Record<K, Sample[]>;
  const slice = Math.max(concurrency, Math.ceil(count / rounds));
  for (let done = 0; done < count; done += slice) {
    const n = Math.min(slice, count - done);
    for (const k of keys) samples[k].push(await sample(calls[k], concurrency, n));
  }
  return Object.fromEntries(keys.map((k) => [k, summarise(samples[k], concurrency, count)])) as Record<
    K,
    LoadResult
  >;
}
