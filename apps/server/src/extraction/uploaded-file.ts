import type { UploadedFile } from '@invoicegw/core';
import type { ReceivedFile } from '../uploads/stream-upload.ts';

/** A web FormData file part (the tRPC upload) as extraction takes it: one copy out of the Blob. */
export async function uploadedFile(part: Blob): Promise<UploadedFile> {
  return {
    bytes: Buffer.from(await part.arrayBuffer()),
    declaredType: part.type || undefined,
    fileName: part instanceof File ? part.name : undefined,
  };
}

/** A streamed file part as extraction takes it, with the hash taken on the way in (core need not hash again). */
export async function receivedUploadedFile(file: ReceivedFile): Promise<UploadedFile> {
  return {
    bytes: await file.bytes(),
    declaredType: file.declaredType,
    fileName: file.fileName,
    sha256: file.sha256,
  };
}
