import type { UploadedFile } from '@invoicegw/core';

/** A multipart file part as extraction takes it: the bytes (no copy), and what the client claimed. */
export async function uploadedFile(part: Blob): Promise<UploadedFile> {
  return {
    bytes: Buffer.from(await part.arrayBuffer()),
    declaredType: part.type || undefined,
    fileName: part instanceof File ? part.name : undefined,
  };
}
