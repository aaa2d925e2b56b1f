import { createHash } from 'node:crypto';
import { DomainError } from '../errors/domain-error.ts';
import { declaredTypeConflicts, type SupportedMimeType, sniffMimeType } from './file-type.ts';
import { inspectPdf } from './pdf-inspect.ts';

export interface UploadLimits {
  maxUploadBytes: number;
  maxPdfPages: number;
}

export interface UploadedFile {
  bytes: Buffer;
  /** What the client said; used only to refuse a contradiction. */
  declaredType?: string | undefined;
  fileName?: string | undefined;
}

export interface ValidatedFile {
  bytes: Buffer;
  mimeType: SupportedMimeType;
  kind: 'pdf' | 'image';
  pages: number;
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
    let facts: Awaited<ReturnType<typeof inspectPdf>>;
    try {
      facts = await inspectPdf(file.bytes);
    } catch {
      throw new DomainError('INVALID_FILE', 'The PDF cannot be read (damaged or incomplete file)');
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
  return {
    bytes: file.bytes,
    mimeType,
    kind: mimeType === 'application/pdf' ? 'pdf' : 'image',
    pages,
    sizeBytes: size,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    fileName: file.fileName,
  };
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1);
}
