import { randomUUID } from 'node:crypto';

export interface LedgerOptions {
  /** How long a hold lives before the sweeper presumes its process dead. */
  reservationTtlMs: number;
  /**
   * The generation cap sent to the model when the key can afford it; a hold includes it in full.
   * On a key with less left, the cap sent (and held) is cut to what is left (see output-cap.ts).
   */
  maxOutputTokens: number;
  /**
   * The least output cap a call is sent with (at most maxOutputTokens): a key with less left than
   * the prompt, the thinking budget and this floor cannot serve the request.
   */
  minOutputTokens: number;
  /**
   * The thinking budget sent with every call (see createGeminiModel); every reservation includes
   * it in full too, because thoughts are billed as output and may come on top of maxOutputTokens.
   */
  thinkingBudget: number;
  /** The instructions and response schema sent with every document. */
  promptOverheadTokens: number;
  tokensPerPdfPage: number;
  /** The least an image is held at, whatever its size. */
  tokensPerImage: number;
  /** What one image tile costs (Gemini 2.x: 258 per tile of up to 768 × 768 pixels). */
  tokensPerImageTile: number;
  /** Identifies this process's holds in TokenReservations. */
  instanceId: string;
}

/** Sent when GEMINI_THINKING_BUDGET is not set: thinking off, which Flash models allow. */
export const DEFAULT_THINKING_BUDGET = 0;

export const DEFAULT_LEDGER_OPTIONS: Omit<LedgerOptions, 'instanceId'> = {
  reservationTtlMs: 5 * 60_000,
  maxOutputTokens: 8192,
  minOutputTokens: 1024,
  thinkingBudget: DEFAULT_THINKING_BUDGET,
  promptOverheadTokens: 2000,
  // Upper bounds, not averages: Gemini bills a PDF page at up to 560 tokens at high media
  // resolution (258 at the old default), an image at 258 per tile, and at least 1,290 is held.
  tokensPerPdfPage: 560,
  tokensPerImage: 1290,
  tokensPerImageTile: 258,
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
  /** PDF pages: an upper bound (see inspectPdf); ignored for images. */
  pages?: number;
  /** An image's declared pixel size; unknown sizes are held at the largest an image can cost. */
  width?: number | undefined;
  height?: number | undefined;
}

/**
 * The worst case one extraction can cost: what is reserved before the call. Prompt (instructions,
 * schema, the document at its upper bound) + the whole output cap + the whole thinking budget.
 */
export function estimateTokens(options: LedgerOptions, document: DocumentShape): number {
  const media =
    document.kind === 'pdf'
      ? Math.max(1, document.pages ?? 1) * options.tokensPerPdfPage
      : Math.max(
          options.tokensPerImage,
          imageTiles(document.width, document.height) * options.tokensPerImageTile,
        );
  return options.promptOverheadTokens + media + options.maxOutputTokens + options.thinkingBudget;
}

/** The output cap a call can be cut down to: MIN_OUTPUT_TOKENS, never above the full cap. */
export function outputFloor(options: LedgerOptions): number {
  return Math.max(1, Math.min(options.minOutputTokens, options.maxOutputTokens));
}

/** The least a request with this full hold (estimateTokens) can be held at: its output cap at the floor. */
export function leastHoldTokens(options: LedgerOptions, fullHold: number): number {
  return fullHold - options.maxOutputTokens + outputFloor(options);
}

/**
 * The cheapest request there can be, held at its least (the output cap at its floor): a key
 * whose remaining quota is below it is Exceeded.
 */
export function minimalRequestTokens(options: LedgerOptions): number {
  return leastHoldTokens(
    options,
    Math.min(
      estimateTokens(options, { kind: 'pdf', pages: 1 }),
      estimateTokens(options, { kind: 'image', width: 1, height: 1 }),
    ),
  );
}

// Google's image geometry (Gemini 2.x): an image is first scaled down to fit 3072 × 3072
// ("scaled down and padded"), one whose sides are both ≤ 384 px is one tile, and a larger one is
// cut into square crops of min(side) / 1.5, clamped to 256–768 px, each crop one tile.
const FIT = 3072;
const SMALL = 384;

/** Tiles an image of this declared size can cost; the worst case for any size when unknown. */
export function imageTiles(width: number | undefined, height: number | undefined): number {
  if (!width || !height || width < 1 || height < 1) return MAX_IMAGE_TILES;
  const scale = Math.min(1, FIT / Math.max(width, height));
  const w = Math.max(1, Math.ceil(width * scale));
  const h = Math.max(1, Math.ceil(height * scale));
  const fitted = tilesOf(w, h);
  // Padded to the full box when it was scaled: whichever reading costs more.
  return scale < 1 ? Math.max(fitted, tilesOf(FIT, FIT)) : fitted;
}

function tilesOf(w: number, h: number): number {
  if (w <= SMALL && h <= SMALL) return 1;
  const crop = Math.min(768, Math.max(256, Math.floor(Math.min(w, h) / 1.5)));
  return Math.ceil(w / crop) * Math.ceil(h / crop);
}

/** The most tiles any image can cost once fitted into the box: a lying header cannot pass it. */
export const MAX_IMAGE_TILES = (() => {
  let most = tilesOf(FIT, FIT);
  for (let side = 1; side <= FIT; side++) most = Math.max(most, tilesOf(FIT, side));
  return most;
})();
