import { createHash } from 'node:crypto';
import { DomainError } from '../errors/domain-error.ts';
import { declaredTypeConflicts, type SupportedMimeType, sniffMimeType } from './file-type.ts';
import { readImageSize } from './image-size.ts';
import { inspectPdf, type PdfFacts, PdfInspectionError } from './pdf-inspect.ts';

export interface UploadLimits {
  maxUploadBytes: number;
  maxPdfPages: number;
}

export interface UploadedFile {
  bytes: Buffer;
  /** What the client said; used only to refuse a contradiction. */
  declaredType?: string | undefined;
  fileName?: string | undefined;
  /** The bytes' SHA-256 (hex) when the receiver hashed them on the way in; computed here otherwise. */
  sha256?: string | undefined;
}

export interface ValidatedFile {
  bytes: Buffer;
  mimeType: SupportedMimeType;
  kind: 'pdf' | 'image';
  /** For a PDF, an upper bound of its pages (what the hold is sized from); 1 for an image. */
  pages: number;
  /** An image's declared pixel size, when its header gives one (it sizes the hold). */
  width?: number | undefined;
  height?: number | undefined;
  sizeBytes: number;
  sha256: string;
  fileName: string | undefined;
}

/** Checks an upload before any key is touched: never retried, never charged. */
export async function validateUpload(file: UploadedFile, limits: UploadLimits): Promise<ValidatedFile> {
  const size = file.bytes.length;
  if (size === 0) throw new DomainError('FILE_EMPTY', 'File is empty');
  if (size > limits.maxUploadBytes) {
    throw new DomainError(
      'FILE_TOO_LARGE',
      `File is ${mb(size)} MB; the limit is ${mb(limits.maxUploadBytes)} MB`,
      {
        details: { sizeBytes: size, maxBytes: limits.maxUploadBytes },
      },
    );
  }
  const mimeType = sniffMimeType(file.bytes);
  if (!mimeType) {
    throw new DomainError(
      'UNSUPPORTED_FILE_TYPE',
      'Unsupported file type: upload a PDF, PNG, JPEG, WEBP, HEIC or HEIF file',
      {
        details: { declaredType: file.declaredType ?? null },
      },
    );
  }
  if (declaredTypeConflicts(file.declaredType, mimeType)) {
    throw new DomainError(
      'UNSUPPORTED_FILE_TYPE',
      `The file was sent as ${file.declaredType} but its content is ${mimeType}`,
      {
        details: { declaredType: file.declaredType, detectedType: mimeType },
      },
    );
  }
  let pages = 1;
  if (mimeType === 'application/pdf') {
    let facts: PdfFacts;
    try {
      facts = await inspectPdf(file.bytes);
    } catch (error) {
      throw inspectionRefusal(error);
    }
    if (facts.encrypted) throw new DomainError('INVALID_FILE', 'The PDF is encrypted or password-protected');
    if (facts.pages < 1) throw new DomainError('INVALID_FILE', 'The PDF has no pages');
    if (facts.pages > limits.maxPdfPages) {
      throw new DomainError(
        'INVALID_FILE',
        `The PDF has ${facts.pages} pages; the limit is ${limits.maxPdfPages}`,
        {
          details: { pages: facts.pages, maxPages: limits.maxPdfPages },
        },
      );
    }
    pages = facts.pages;
  }
  const dimensions = mimeType === 'application/pdf' ? undefined : readImageSize(file.bytes, mimeType);
  return {
    bytes: file.bytes,
    mimeType,
    kind: mimeType === 'application/pdf' ? 'pdf' : 'image',
    pages,
    width: dimensions?.width,
    height: dimensions?.height,
    sizeBytes: size,
    sha256: file.sha256 ?? createHash('sha256').update(file.bytes).digest('hex'),
    fileName: file.fileName,
  };
}

/** A PDF the inspection could not finish is refused, never sent on a guessed page count. */
function inspectionRefusal(error: unknown): DomainError {
  if (error instanceof PdfInspectionError && error.reason !== 'unreadable') {
    return new DomainError('INVALID_FILE', `The PDF cannot be checked safely: ${error.message}`, {
      details: { reason: error.reason },
    });
  }
  return new DomainError('INVALID_FILE', 'The PDF cannot be read (damaged or incomplete file)');
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1);
}
