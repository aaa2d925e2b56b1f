export const SUPPORTED_MIME_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/heic',
  'image/heif',
] as const;
export type SupportedMimeType = (typeof SUPPORTED_MIME_TYPES)[number];

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'heif']);

/** The type the bytes say, from their magic numbers; undefined when unsupported. */
export function sniffMimeType(bytes: Uint8Array): SupportedMimeType | undefined {
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  // PDF: %PDF- within the first KiB (some generators put junk before it, and readers allow it).
  if (Buffer.from(bytes.subarray(0, 1024)).indexOf('%PDF-') >= 0) return 'application/pdf';
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    ascii(1, 4) === 'PNG' &&
    bytes[4] === 0x0d &&
    bytes[5] === 0x0a
  )
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
    if (HEIF_BRANDS.has(brand)) return 'image/heif';
  }
  return undefined;
}

/** What a client may say without it meaning anything: the bytes decide. */
const GENERIC_TYPES = new Set([
  '',
  'application/octet-stream',
  'binary/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);

/** True when the client named a specific type that the bytes contradict. */
export function declaredTypeConflicts(declared: string | undefined, sniffed: SupportedMimeType): boolean {
  const d = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  if (GENERIC_TYPES.has(d)) return false;
  if (d === sniffed) return false;
  if (d === 'image/jpg' && sniffed === 'image/jpeg') return false;
  if ((d === 'image/heic' || d === 'image/heif') && (sniffed === 'image/heic' || sniffed === 'image/heif'))
    return false;
  return true;
}
