export interface PdfFacts {
  pages: number;
  encrypted: boolean;
}

/**
 * Reads a PDF's page count and encryption without rendering anything. A fast scan of the raw
 * bytes covers classic PDFs; files that keep their objects in compressed object streams (where
 * the scan cannot see pages) go through pdf-lib. Throws when the file cannot be read as a PDF.
 */
export async function inspectPdf(bytes: Buffer): Promise<PdfFacts> {
  const text = bytes.toString('latin1');
  if (!/%%EOF\s*$/.test(text.slice(-2048)) && text.lastIndexOf('%%EOF') < 0)
    throw new Error('no end-of-file marker');
  const encrypted = /\/Encrypt\s+(\d+\s+\d+\s+R|<<)/.test(text);
  const scanned = (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
  if (encrypted || (scanned > 0 && !/\/ObjStm/.test(text))) return { pages: scanned, encrypted };
  const { PDFDocument } = await import('pdf-lib');
  const document = await PDFDocument.load(bytes, {
    ignoreEncryption: true,
    updateMetadata: false,
    throwOnInvalidObject: true,
  });
  return { pages: document.getPageCount(), encrypted: document.isEncrypted };
}
