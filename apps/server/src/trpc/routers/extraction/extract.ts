import { z } from 'zod';
import { runExtraction } from '../../../extraction/run-extraction.ts';
import { idempotencyHeaderOrThrow, parseUploadFields } from '../../../extraction/upload-fields.ts';
import { uploadedFile } from '../../../extraction/uploaded-file.ts';
import { extractionProcedure } from '../../init.ts';
import { ExtractionResultSchema } from './extraction-output.ts';

/** The fields of an extraction upload, under their names and the old service's aliases (one table for every route). */
export const ExtractFormSchema = z.instanceof(FormData).transform((form, ctx) => {
  const file = form.get('file');
  const fields = parseUploadFields(form);
  if (!(file instanceof Blob)) ctx.addIssue({ code: 'custom', path: ['file'], message: 'file is required' });
  if (!fields.ok)
    for (const issue of fields.issues)
      ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  if (!(file instanceof Blob) || !fields.ok) return z.NEVER;
  return { ...fields.fields, file };
});

/** extraction.extract: a multipart upload (FormData) in, the invoice and its cost out. */
export const extract = extractionProcedure
  .input(ExtractFormSchema)
  .output(ExtractionResultSchema)
  .mutation(async ({ ctx, input }) => {
    const { file, ...fields } = input;
    const header = idempotencyHeaderOrThrow(ctx.idempotencyKey);
    return runExtraction(ctx.deps, ctx.auth, {
      requestId: ctx.requestId,
      ...(ctx.clientRequestId === undefined ? {} : { clientRequestId: ctx.clientRequestId }),
      receivedAt: ctx.receivedAt,
      ...fields,
      ...(header === undefined ? {} : { idempotencyKey: header }),
      file: await uploadedFile(file),
    });
  });
