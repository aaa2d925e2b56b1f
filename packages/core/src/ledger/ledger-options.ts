import { randomUUID } from 'node:crypto';

export interface LedgerOptions {
  /** How long a hold lives before the sweeper presumes its process dead. */
  reservationTtlMs: number;
  /** The generation cap sent to the model; every reservation includes it in full. */
  maxOutputTokens: number;
  /** The instructions and response schema sent with every document. */
  promptOverheadTokens: number;
  tokensPerPdfPage: number;
  tokensPerImage: number;
  /** Identifies this process's holds in TokenReservations. */
  instanceId: string;
}

export const DEFAULT_LEDGER_OPTIONS: Omit<LedgerOptions, 'instanceId'> = {
  reservationTtlMs: 5 * 60_000,
  maxOutputTokens: 8192,
  promptOverheadTokens: 2000,
  // Upper bounds, not averages: Gemini bills a PDF page at up to 560 tokens at high media
  // resolution (258 at the old default) and an image at up to 1,290.
  tokensPerPdfPage: 560,
  tokensPerImage: 1290,
};

export function ledgerOptions(overrides: Partial<LedgerOptions> = {}): LedgerOptions {
  return {
    ...DEFAULT_LEDGER_OPTIONS,
    instanceId: `${process.pid}-${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

export interface DocumentShape {
  kind: 'pdf' | 'image';
  /** PDF pages; ignored for images. */
  pages?: number;
}

/** The worst case one extraction can cost: what is reserved before the call. */
export function estimateTokens(options: LedgerOptions, document: DocumentShape): number {
  const media =
    document.kind === 'pdf'
      ? Math.max(1, document.pages ?? 1) * options.tokensPerPdfPage
      : options.tokensPerImage;
  return options.promptOverheadTokens + media + options.maxOutputTokens;
}

/** The cheapest request there can be: a key whose remaining quota is below it is Exceeded. */
export function minimalRequestTokens(options: LedgerOptions): number {
  return Math.min(
    estimateTokens(options, { kind: 'pdf', pages: 1 }),
    estimateTokens(options, { kind: 'image' }),
  );
}
