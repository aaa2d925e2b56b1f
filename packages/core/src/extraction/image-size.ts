import type { SupportedMimeType } from './file-type.ts';

export interface ImageSize {
  width: number;
  height: number;
}

/** JPEG segments or ISO-BMFF boxes read before giving up: real files need a handful. */
const MAX_SEGMENTS = 4096;

/**
 * The pixel size an image's header declares, read without decoding anything: a few fixed
 * offsets (PNG, WEBP) or a walk over segment and box headers, each step jumping by a length
 * and the walk capped at MAX_SEGMENTS. The size may lie; the hold built from it is bounded anyway
 * (see estimateTokens). Undefined when the header does not say.
 */
export function readImageSize(bytes: Buffer, mimeType: SupportedMimeType): ImageSize | undefined {
  switch (mimeType) {
    case 'image/png':
      return bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR'
        ? valid(bytes.readUInt32BE(16), bytes.readUInt32BE(20))
        : undefined;
    case 'image/jpeg':
      return jpegSize(bytes);
    case 'image/webp':
      return webpSize(bytes);
    case 'image/heic':
    case 'image/heif':
      return heifSize(bytes);
    default:
      return undefined;
  }
}

const valid = (width: number, height: number): ImageSize | undefined =>
  width > 0 && height > 0 ? { width, height } : undefined;

/** The largest frame any SOFn marker declares before the first scan. */
function jpegSize(b: Buffer): ImageSize | undefined {
  let best: ImageSize | undefined;
  let at = 2;
  for (let n = 0; n < MAX_SEGMENTS && at + 4 <= b.length; n++) {
    if (b[at] !== 0xff) return best;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return best;
    const length = b.readUInt16BE(at + 2);
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof && at + 9 <= b.length) {
      const size = valid(b.readUInt16BE(at + 7), b.readUInt16BE(at + 5));
      if (size && (!best || size.width * size.height > best.width * best.height)) best = size;
    }
    if (length < 2) return best;
    at += 2 + length;
  }
  return best;
}

function webpSize(b: Buffer): ImageSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return valid(b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1);
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return valid((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ') return valid(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
  return undefined;
}

/** HEIF keeps sizes in `ispe` properties: meta → iprp → ipco → ispe. The largest one counts. */
function heifSize(b: Buffer): ImageSize | undefined {
  let best: ImageSize | undefined;
  let steps = 0;
  const walk = (start: number, end: number, path: readonly string[]): void => {
    let at = start;
    while (at + 8 <= end && steps++ < MAX_SEGMENTS) {
      let size = b.readUInt32BE(at);
      const type = b.toString('latin1', at + 4, at + 8);
      let header = 8;
      if (size === 1 && at + 16 <= end) {
        size = Number(b.readBigUInt64BE(at + 8));
        header = 16;
      } else if (size === 0) size = end - at;
      if (size < header || at + size > end) return;
      const [want, ...rest] = path;
      if (type === want) {
        if (type === 'ispe' && at + 20 <= end) {
          const found = valid(b.readUInt32BE(at + 12), b.readUInt32BE(at + 16));
          if (found && (!best || found.width * found.height > best.width * best.height)) best = found;
        } else if (rest.length > 0) {
          // meta is a full box: four bytes of version and flags before its children.
          walk(at + header + (type === 'meta' ? 4 : 0), at + size, rest);
        }
      }
      at += size;
    }
  };
  walk(0, b.length, ['meta', 'iprp', 'ipco', 'ispe']);
  return best;
}
