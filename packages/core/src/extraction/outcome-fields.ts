import type { ExtractionResult } from './extraction-result.ts';
import type { UploadedFile } from './validate-upload.ts';

// The fields of a request's log records (issue 14): a success writes one INFO record with
// everything an operator asks of it, so each outcome's record carries what the request was.

/** What the request was: on its one success record, and on every failure's record. */
export function requestFields(input: {
  file: UploadedFile;
  branch?: string | undefined;
  username?: string | undefined;
  clientRequestId?: string | undefined;
}): Record<string, unknown> {
  return {
    bytes: input.file.bytes.length,
    declaredType: input.file.declaredType ?? null,
    branch: input.branch ?? null,
    user: input.username ?? null,
    ...(input.clientRequestId === undefined ? {} : { clientRequestId: input.clientRequestId }),
  };
}

/** The success record of an answer served from storage (cache, shared flight, replay): nothing charged. */
export function storedFields(
  stored: ExtractionResult,
  receivedAt: number,
  request: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...request,
    firstRequestId: stored.requestId,
    keyHint: stored.keyHint ?? null,
    tokens: 0,
    attempts: 0,
    ms: Date.now() - receivedAt,
  };
}
