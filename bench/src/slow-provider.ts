import { countError, percentile } from './load.ts';
import { memoryOf, resetPeak } from './processes.ts';

export interface SlowResult {
  concurrent: number;
  providerDelayMs: number;
  /** All requests were written before the first answer came back: all in flight at once. */
  allInFlightAtOnce: boolean;
  lastSentMs: number;
  firstAnswerMs: number;
  wallMs: number;
  ok: number;
  errors: number;
  errorCodes: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** From the gateway's /metrics, over the burst only (the scrape before it starts the window). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * `concurrent` extractions sent at once against a provider that answers after `delayMs`: what a
 * slow Gemini does to the gateway (memory, event loop, errors) while everything waits.
 */
export async function slowBurst(
  pid: number,
  concurrent: number,
  delayMs: number,
  call: (onSent: () => void) => Promise<void>,
  loopDelay: () => Promise<{ p99Ms: number; maxMs: number }>,
): Promise<SlowResult> {
  await loopDelay(); // starts the window
  const peakReset = resetPeak(pid);
  const baselineRssMb = memoryOf(pid).rssMb;
  // Without clear_refs, the peak is polled instead (coarser, and it can miss a short spike).
  let polledPeak = baselineRssMb;
  const poll = peakReset
    ? undefined
    : setInterval(() => {
        polledPeak = Math.max(polledPeak, memoryOf(pid).rssMb);
      }, 50);
  const started = performance.now();
  let sent = 0;
  let lastSentMs = 0;
  let firstAnswerMs = 0;
  let ok = 0;
  const errorCodes: Record<string, number> = {};
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrent }, async () => {
      const t = performance.now();
      try {
        await call(() => {
          sent += 1;
          if (sent === concurrent) lastSentMs = performance.now() - started;
        });
        ok += 1;
        latencies.push(performance.now() - t);
      } catch (error) {
        countError(errorCodes, error);
      }
      firstAnswerMs ||= performance.now() - started;
    }),
  );
  const wallMs = performance.now() - started;
  if (poll) clearInterval(poll);
  const mem = memoryOf(pid);
  const loop = await loopDelay();
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n);
  return {
    concurrent,
    providerDelayMs: delayMs,
    allInFlightAtOnce: sent === concurrent && lastSentMs < firstAnswerMs,
    lastSentMs: round(lastSentMs),
    firstAnswerMs: round(firstAnswerMs),
    wallMs: round(wallMs),
    ok,
    errors: concurrent - ok,
    errorCodes,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    baselineRssMb,
    peakRssMb: peakReset ? mem.peakMb : Math.max(polledPeak, mem.rssMb),
    loopDelayP99Ms: loop.p99Ms,
    loopDelayMaxMs: loop.maxMs,
  };
}
