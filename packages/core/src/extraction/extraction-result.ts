import type { Invoice } from './invoice-schema.ts';
import type { InvoiceWarning } from './normalise-invoice.ts';

export interface AttemptInfo {
  attempt: number;
  keyHint: string;
  outcome: 'success' | 'failed';
  errorCode?: string;
  httpStatus?: number | null;
  /** The wait before the next attempt. */
  delayMs?: number;
}

export interface ExtractionResult {
  requestId: string;
  data: Invoice;
  warnings: InvoiceWarning[];
  /** What this request cost; zero for a cache hit or a replay. */
  usage: { promptTokens: number; outputTokens: number; thoughtsTokens: number; totalTokens: number };
  keyHint: string | null;
  attempts: AttemptInfo[];
  cached: boolean;
  idempotentReplay: boolean;
  model: string;
  file: { mimeType: string; sizeBytes: number; pages: number; sha256: string };
}
