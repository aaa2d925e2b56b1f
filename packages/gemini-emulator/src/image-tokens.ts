/** What one image tile costs (Gemini 2.x). */
export const TILE_TOKENS = 258;

/**
 * Gemini 2.x image billing: scaled down to fit 3072 × 3072, one tile when both sides are at most
 * 384 px, otherwise square crops of min(side) / 1.5 (256–768 px), one tile each. The size comes
 * from the header, which may lie: so does Google's decoder, until it decodes.
 */
export function imageTokens(bytes: Buffer): number {
  const size = headerSize(bytes);
  if (!size) return TILE_TOKENS;
  const scale = Math.min(1, 3072 / Math.max(size.width, size.height));
  const w = Math.max(1, Math.round(size.width * scale));
  const h = Math.max(1, Math.round(size.height * scale));
  if (w <= 384 && h <= 384) return TILE_TOKENS;
  const crop = Math.min(768, Math.max(256, Math.floor(Math.min(w, h) / 1.5)));
  return Math.ceil(w / crop) * Math.ceil(h / crop) * TILE_TOKENS;
}

function headerSize(b: Buffer): { width: number; height: number } | undefined {
  if (b.length >= 24 && b[0] === 0x89 && b.toString('latin1', 12, 16) === 'IHDR') {
    return positive(b.readUInt32BE(16), b.readUInt32BE(20));
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    // JPEG: the first SOFn segment before the scan.
    for (let at = 2, n = 0; at + 9 <= b.length && n < 4096 && b[at] === 0xff; n++) {
      const marker = b[at + 1]!;
      if (marker === 0xda || marker === 0xd9) return undefined;
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return positive(b.readUInt16BE(at + 7), b.readUInt16BE(at + 5));
      }
      at += 2 + b.readUInt16BE(at + 2);
    }
  }
  return undefined;
}

const positive = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
