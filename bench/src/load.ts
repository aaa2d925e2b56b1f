export interface LoadResult {
  count: number;
  concurrency: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  throughput: number;
  errors: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

/** Fixed request count at fixed concurrency, after a warm-up; latencies in ms. */
export async function runLoad(
  call: () => Promise<void>,
  concurrency: number,
  count: number,
  warmup = 20,
): Promise<LoadResult> {
  for (let i = 0; i < warmup; i++) await call().catch(() => undefined);
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      next += 1;
      const t = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count,
    concurrency,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    throughput: round(latencies.length / seconds),
    errors,
  };
}
