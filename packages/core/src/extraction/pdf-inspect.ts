export interface PdfFacts {
  pages: number;
  encrypted: boolean;
}

const PAGE = Buffer.from('/Type');

/** `/Type /Page` (not `/Pages`) occurrences, found with Buffer.indexOf: no copy of the file as text. */
function countPageObjects(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(PAGE); at >= 0; at = bytes.indexOf(PAGE, at + PAGE.length)) {
    let i = at + PAGE.length;
    while (
      i < bytes.length &&
      (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
    )
      i += 1;
    if (bytes.toString('latin1', i, i + 5) !== '/Page') continue;
    const next = bytes[i + 5] ?? 0;
    const letter = (next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a);
    if (!letter) count += 1;
  }
  return count;
}

/**
 * Reads a PDF's page count and encryption without rendering anything. A fast scan of the raw
 * bytes covers classic PDFs; files that keep their objects in compressed object streams (where
 * the scan cannot see pages) go through pdf-lib. Throws when the file cannot be read as a PDF.
 */
export async function inspectPdf(bytes: Buffer): Promise<PdfFacts> {
  if (bytes.lastIndexOf('%%EOF') < 0) throw new Error('no end-of-file marker');
  const encrypted = /\/Encrypt\s*(\d+\s+\d+\s+R|<<)/.test(tailText(bytes));
  const scanned = countPageObjects(bytes);
  if (encrypted || (scanned > 0 && bytes.indexOf('/ObjStm') < 0)) return { pages: scanned, encrypted };
  const { PDFDocument } = await import('pdf-lib');
  const document = await PDFDocument.load(bytes, {
    ignoreEncryption: true,
    updateMetadata: false,
    throwOnInvalidObject: true,
  });
  return { pages: document.getPageCount(), encrypted: document.isEncrypted };
}

/** The trailer (or the cross-reference stream's dictionary) sits near the end: where /Encrypt is. */
function tailText(bytes: Buffer): string {
  const at = bytes.indexOf('/Encrypt');
  return at < 0 ? '' : bytes.toString('latin1', at, Math.min(bytes.length, at + 64));
}
