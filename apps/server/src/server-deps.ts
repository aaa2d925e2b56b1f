import type { AlertDispatchOptions, ExtractionDeps } from '@invoicegw/core';
import type { ServerConfig } from './env.ts';
import type { CompanySlots } from './extraction/company-slots.ts';
import type { DbLogSink } from './logging/db-log-sink.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { UploadSpool } from './uploads/upload-spool.ts';

/** Everything the app needs, built once in server.ts and passed down (no module singletons). */
export interface ServerDeps {
  core: ExtractionDeps;
  /** How this process delivers webhook alerts (also used by `alerts test`). */
  alertDispatch: AlertDispatchOptions;
  config: ServerConfig;
  adminKey: string;
  version: string;
  metrics: Metrics;
  logSink: DbLogSink;
  /** Requests in flight per company, for the concurrency limit. */
  inFlight: Map<string, number>;
  /** The concurrency limit's slots over `inFlight`, with a fair line for a free one. */
  companySlots: CompanySlots;
  /** Set once shutdown begins: new work is refused with 503. */
  draining: { value: boolean };
  /** HTTP requests in flight, which shutdown waits for. */
  active: { value: number };
  /** Where big uploads wait on disk while they arrive (uploads/upload-spool.ts). */
  uploadSpool: UploadSpool;
}
