import { type Emulator, imageTokens, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiModel } from '../src/extraction/gemini-provider.ts';
import { readImageSize } from '../src/extraction/image-size.ts';
import { validateUpload } from '../src/extraction/validate-upload.ts';
import {
  DEFAULT_LEDGER_OPTIONS,
  estimateTokens,
  imageTiles,
  leastHoldTokens,
  ledgerOptions,
  MAX_IMAGE_TILES,
  minimalRequestTokens,
} from '../src/ledger/ledger-options.ts';
import { lyingJpeg, lyingPng, pdfLibPages } from './fixtures/hostile-corpus.ts';

// A hold is a proven upper bound of what a call can cost: prompt (at the document's upper
// bound) + the whole output cap + the whole thinking budget, which is now always sent.
const LIMITS = { maxUploadBytes: 20 * 1024 * 1024, maxPdfPages: 1000 };
let emulator: Emulator;
beforeAll(async () => {
  // The model: it would think 9,000 tokens if nothing stopped it.
  emulator = await startEmulator({ thoughtsTokens: 9000 });
});
afterAll(async () => {
  await emulator.close();
});

describe('holds against lying image headers', () => {
  it.each([
    ['PNG', lyingPng(), 60_000, 60_000],
    ['JPEG (size behind a 60 KB segment)', lyingJpeg(), 65_535, 65_535],
  ] as const)('a %s claiming a huge size is held at a bounded, sufficient amount', async (_, bytes, w, h) => {
    const file = await validateUpload({ bytes }, LIMITS);
    expect(file).toMatchObject({ kind: 'image', width: w, height: h });
    const hold = estimateTokens(ledgerOptions(), file);
    // Scaled into 3072 × 3072 first, as Google does: the hold cannot pass the worst image.
    expect(hold).toBeLessThanOrEqual(
      DEFAULT_LEDGER_OPTIONS.promptOverheadTokens +
        MAX_IMAGE_TILES * 258 +
        DEFAULT_LEDGER_OPTIONS.maxOutputTokens,
    );
    expect(
      hold - DEFAULT_LEDGER_OPTIONS.promptOverheadTokens - DEFAULT_LEDGER_OPTIONS.maxOutputTokens,
    ).toBeGreaterThanOrEqual(imageTokens(bytes));
  });

  it('reads WEBP and HEIF sizes, and gives up on a JPEG of endless segments after a bounded walk', () => {
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(16_383, 24, 3);
    webp.writeUIntLE(9_999, 27, 3);
    expect(readImageSize(webp, 'image/webp')).toEqual({ width: 16_384, height: 10_000 });
    const box = (type: string, body: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(8 + body.length);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, body]);
    };
    const ispe = Buffer.alloc(12);
    ispe.writeUInt32BE(40_000, 4);
    ispe.writeUInt32BE(30_000, 8);
    const heic = Buffer.concat([
      box('ftyp', Buffer.from('heic\0\0\0\0', 'latin1')),
      box('meta', Buffer.concat([Buffer.alloc(4), box('iprp', box('ipco', box('ispe', ispe)))])),
    ]);
    expect(readImageSize(heic, 'image/heic')).toEqual({ width: 40_000, height: 30_000 });
    const endless = Buffer.concat([
      Buffer.from('ffd8', 'hex'),
      Buffer.from('fffe0002'.repeat(200_000), 'hex'),
    ]);
    expect(readImageSize(endless, 'image/jpeg')).toBeUndefined();
  });

  it('sizes images by tiles, and holds an unreadable header at the worst case', () => {
    expect(imageTiles(300, 300)).toBe(1);
    expect(imageTiles(1000, 1000)).toBe(4);
    // A phone photo: more than the old flat 1,290 tokens.
    expect(imageTiles(4032, 3024) * 258).toBeGreaterThan(1290);
    expect(imageTiles(undefined, undefined)).toBe(MAX_IMAGE_TILES);
    for (const [w, h] of [
      [1, 100_000],
      [300, 3000],
      [65_535, 1],
      [4000, 4000],
    ] as const)
      expect(imageTiles(w, h)).toBeLessThanOrEqual(MAX_IMAGE_TILES);
    expect(readImageSize(Buffer.from('89504e470d0a1a0a', 'hex'), 'image/png')).toBeUndefined();
    // The cheapest request is still a one-page PDF (held at its least, the output cap at its floor).
    const options = ledgerOptions();
    expect(minimalRequestTokens(options)).toBe(
      leastHoldTokens(options, estimateTokens(options, { kind: 'pdf', pages: 1 })),
    );
  });
});

describe('thinking is bounded and held', () => {
  it('always sends a thinking budget, and holds it in full', async () => {
    const pdf = await validateUpload({ bytes: await pdfLibPages(3, false) }, LIMITS);
    for (const budget of [undefined, 0, 2048]) {
      emulator.reset();
      const model = createGeminiModel({
        model: 'gemini-2.5-flash',
        baseUrl: emulator.url,
        maxOutputTokens: 8192,
        thinkingBudget: budget,
      });
      const reply = await model.generate({
        apiKey: 'AIzaFAKE-thinking',
        file: pdf,
        signal: AbortSignal.timeout(10_000),
      });
      const [seen] = emulator.requests();
      expect(seen?.thinkingBudget).toBe(budget ?? 0);
      expect(reply.usage?.thoughtsTokens).toBe(budget ?? 0);
      const hold = estimateTokens(ledgerOptions({ thinkingBudget: budget ?? 0 }), pdf);
      expect(reply.usage!.totalTokens).toBeLessThanOrEqual(hold);
      expect(emulator.stats().totalChargedTokens).toBe(reply.usage!.totalTokens);
    }
    expect(
      estimateTokens(ledgerOptions({ thinkingBudget: 9000 }), { kind: 'pdf', pages: 1 }) -
        estimateTokens(ledgerOptions(), { kind: 'pdf', pages: 1 }),
    ).toBe(9000);
  });

  it('refuses dynamic thinking, which has no bound a hold could cover', () => {
    expect(() =>
      createGeminiModel({
        model: 'gemini-2.5-flash',
        baseUrl: emulator.url,
        maxOutputTokens: 8192,
        thinkingBudget: -1,
      }),
    ).toThrow(/thinkingBudget must be a whole number ≥ 0/);
  });
});
