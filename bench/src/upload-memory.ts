import { countError } from './load.ts';
import { memoryOf, resetPeak } from './processes.ts';

export interface UploadMemoryRow {
  size: string;
  bytes: number;
  inFlight: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** (peak − baseline) ÷ (uploads in flight × file size): 1 means one copy of each file. */
  perUploadFactor: number;
  errorCodes: Record<string, number>;
}

/**
 * `inFlight` uploads of one size at once against a provider slow enough that all of them are
 * held together; the server's peak RSS over the burst against its RSS just before.
 */
export async function uploadMemory(
  pid: number,
  size: string,
  bytes: number,
  inFlight: number,
  call: () => Promise<void>,
): Promise<UploadMemoryRow> {
  const peakReset = resetPeak(pid);
  const baselineRssMb = memoryOf(pid).rssMb;
  let polledPeak = baselineRssMb;
  const poll = peakReset
    ? undefined
    : setInterval(() => {
        polledPeak = Math.max(polledPeak, memoryOf(pid).rssMb);
      }, 20);
  const errorCodes: Record<string, number> = {};
  await Promise.all(Array.from({ length: inFlight }, () => call().catch((e) => countError(errorCodes, e))));
  if (poll) clearInterval(poll);
  const mem = memoryOf(pid);
  const peakRssMb = peakReset ? mem.peakMb : Math.max(polledPeak, mem.rssMb);
  const mb = bytes / 1024 / 1024;
  return {
    size,
    bytes,
    inFlight,
    baselineRssMb,
    peakRssMb,
    perUploadFactor: Math.round(((peakRssMb - baselineRssMb) / (inFlight * mb)) * 100) / 100,
    errorCodes,
  };
}
