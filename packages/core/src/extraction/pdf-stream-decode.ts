import { promisify } from 'node:util';
import { constants, inflate } from 'node:zlib';
import { isDict, type PdfDict, type PdfValue } from './pdf-syntax.ts';

const inflateAsync = promisify(inflate);

/** Why a stream could not be decoded: each ends the inspection with a refusal. */
export class PdfDecodeError extends Error {
  constructor(
    readonly reason: 'too-large' | 'unsupported' | 'damaged',
    message: string,
  ) {
    super(message);
    this.name = 'PdfDecodeError';
  }
}

/**
 * Decodes a stream through its filter chain, never producing more than `maxBytes`. Flate runs
 * on libuv's thread pool with zlib's own `maxOutputLength`, so a compression bomb stops at the
 * cap without blocking the event loop; the other filters are linear in their input.
 */
export async function decodeStream(
  data: Buffer,
  filters: readonly string[],
  params: readonly (PdfValue | undefined)[],
  maxBytes: number,
): Promise<Buffer> {
  let out = data;
  for (const [i, filter] of filters.entries()) {
    const parms = params[i];
    switch (filter) {
      case 'FlateDecode':
      case 'Fl':
        out = predict(await inflateCapped(out, maxBytes), parms, maxBytes);
        break;
      case 'LZWDecode':
      case 'LZW':
        out = predict(lzwDecode(out, earlyChange(parms), maxBytes), parms, maxBytes);
        break;
      case 'ASCIIHexDecode':
      case 'AHx':
        out = asciiHexDecode(out);
        break;
      case 'ASCII85Decode':
      case 'A85':
        out = ascii85Decode(out);
        break;
      case 'RunLengthDecode':
      case 'RL':
        out = runLengthDecode(out, maxBytes);
        break;
      default:
        throw new PdfDecodeError('unsupported', `an object stream uses the ${filter} filter`);
    }
    if (out.length > maxBytes) throw tooLarge(maxBytes);
  }
  return out;
}

const tooLarge = (maxBytes: number) =>
  new PdfDecodeError('too-large', `an object stream expands past ${Math.round(maxBytes / 1024 / 1024)} MB`);

async function inflateCapped(data: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    // SYNC_FLUSH: a stream cut short still yields what it holds, as PDF readers allow.
    return await inflateAsync(data, { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new PdfDecodeError('damaged', 'an object stream is not valid Flate data');
  }
}

const int = (d: PdfDict | undefined, key: string, fallback: number) => {
  const v = d?.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : fallback;
};

const earlyChange = (parms: PdfValue | undefined) => int(isDict(parms) ? parms : undefined, 'EarlyChange', 1);

/** PNG (10-15) and TIFF (2) predictors, as xref and object streams may use. */
function predict(data: Buffer, parms: PdfValue | undefined, maxBytes: number): Buffer {
  const d = isDict(parms) ? parms : undefined;
  const predictor = int(d, 'Predictor', 1);
  if (predictor <= 1) return data;
  const colors = int(d, 'Colors', 1);
  const bits = int(d, 'BitsPerComponent', 8);
  const columns = int(d, 'Columns', 1);
  if (colors < 1 || colors > 32 || ![1, 2, 4, 8, 16].includes(bits) || columns < 1 || columns > 1 << 20) {
    throw new PdfDecodeError('damaged', 'an object stream has invalid predictor parameters');
  }
  const bpp = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowLength = Math.ceil((colors * bits * columns) / 8);
  if (predictor === 2) {
    if (bits !== 8) throw new PdfDecodeError('unsupported', 'an object stream uses a TIFF predictor');
    const out = Buffer.from(data);
    for (let row = 0; row < out.length; row += rowLength)
      for (let i = row + bpp; i < Math.min(row + rowLength, out.length); i++)
        out[i] = (out[i]! + out[i - bpp]!) & 0xff;
    return out;
  }
  const rows = Math.floor(data.length / (rowLength + 1));
  if (rows * rowLength > maxBytes) throw tooLarge(maxBytes);
  const out = Buffer.alloc(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLength + 1)]!;
    const src = r * (rowLength + 1) + 1;
    const dst = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const raw = data[src + i]!;
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = r > 0 ? out[dst - rowLength + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[dst - rowLength + i - bpp]! : 0;
      let value: number;
      if (type === 0) value = raw;
      else if (type === 1) value = raw + left;
      else if (type === 2) value = raw + up;
      else if (type === 3) value = raw + ((left + up) >> 1);
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      } else throw new PdfDecodeError('damaged', 'an object stream has an invalid PNG predictor row');
      out[dst + i] = value & 0xff;
    }
  }
  return out;
}

function asciiHexDecode(data: Buffer): Buffer {
  const out = Buffer.alloc(Math.ceil(data.length / 2));
  let n = 0;
  let high = -1;
  for (const c of data) {
    if (c === 0x3e) break;
    const v =
      c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
    if (v < 0) continue;
    if (high < 0) high = v;
    else {
      out[n++] = high * 16 + v;
      high = -1;
    }
  }
  if (high >= 0) out[n++] = high * 16;
  return out.subarray(0, n);
}

function ascii85Decode(data: Buffer): Buffer {
  const out = Buffer.alloc(Math.ceil((data.length * 4) / 5) + 4);
  let n = 0;
  let group = 0;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x7e) break; // "~>"
    if (c === 0x7a && count === 0) {
      if (n + 4 > out.length) break;
      out.writeUInt32BE(0, n);
      n += 4;
      continue;
    }
    if (c < 0x21 || c > 0x75) continue;
    group = group * 85 + (c - 0x21);
    if (++count === 5) {
      out.writeUInt32BE(group >>> 0, n);
      n += 4;
      group = 0;
      count = 0;
    }
  }
  if (count > 1) {
    for (let k = count; k < 5; k++) group = group * 85 + 84;
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(group >>> 0, 0);
    tail.copy(out, n, 0, count - 1);
    n += count - 1;
  }
  return out.subarray(0, n);
}

function runLengthDecode(data: Buffer, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  for (let i = 0; i < data.length; ) {
    const length = data[i]!;
    if (length === 128) break;
    if (length < 128) {
      chunks.push(data.subarray(i + 1, i + 2 + length));
      size += length + 1;
      i += length + 2;
    } else {
      chunks.push(Buffer.alloc(257 - length, data[i + 1] ?? 0));
      size += 257 - length;
      i += 2;
    }
    if (size > maxBytes) throw tooLarge(maxBytes);
  }
  return Buffer.concat(chunks);
}

function lzwDecode(data: Buffer, early: number, maxBytes: number): Buffer {
  let out = Buffer.alloc(Math.min(maxBytes, Math.max(1024, data.length * 4)));
  let size = 0;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const lengths = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    lengths[i] = 1;
  }
  let next = 258;
  let width = 9;
  let previous = -1;
  let bits = 0;
  let count = 0;
  for (let i = 0; ; ) {
    while (count < width && i < data.length) {
      bits = ((bits << 8) | data[i++]!) & 0xffffff;
      count += 8;
    }
    if (count < width) break;
    const code = (bits >>> (count - width)) & ((1 << width) - 1);
    count -= width;
    if (code === 256) {
      next = 258;
      width = 9;
      previous = -1;
      continue;
    }
    if (code === 257) break;
    if (code > next || (code === next && previous < 0))
      throw new PdfDecodeError('damaged', 'invalid LZW data');
    const known = code < next;
    const base = known ? code : previous;
    const length = lengths[base]! + (known ? 0 : 1);
    if (size + length > maxBytes) throw tooLarge(maxBytes);
    if (size + length > out.length) {
      const grown = Buffer.alloc(Math.min(maxBytes, Math.max(out.length * 2, size + length)));
      out.copy(grown, 0, 0, size);
      out = grown;
    }
    let entry = base;
    for (let k = lengths[base]! - 1; k >= 0; k--) {
      out[size + k] = suffix[entry]!;
      entry = prefix[entry]!;
    }
    if (!known) out[size + length - 1] = out[size]!;
    if (previous >= 0 && next < 4096) {
      prefix[next] = previous;
      suffix[next] = out[size]!;
      lengths[next] = lengths[previous]! + 1;
      next += 1;
    }
    size += length;
    previous = code;
    if (next + early >= 1 << width && width < 12) width += 1;
  }
  return out.subarray(0, size);
}
