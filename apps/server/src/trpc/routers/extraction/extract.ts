import { z } from 'zod';
import { runExtraction } from '../../../extraction/run-extraction.ts';
import { uploadedFile } from '../../../extraction/uploaded-file.ts';
import { extractionProcedure } from '../../init.ts';

const text = (max: number) => z.string().trim().max(max).optional();

/** The fields of an extraction upload, under their names and the old service's aliases. */
export const ExtractFormSchema = z.instanceof(FormData).transform((form, ctx) => {
  const pick = (...names: string[]) => {
    for (const n of names) {
      const v = form.get(n);
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
    }
    return undefined;
  };
  const file = form.get('file');
  if (!(file instanceof Blob)) {
    ctx.addIssue({ code: 'custom', path: ['file'], message: 'file is required' });
    return z.NEVER;
  }
  const fields = z
    .object({
      companyId: z.string().min(1).max(50),
      username: text(100),
      branch: text(100),
      idempotencyKey: text(200),
    })
    .safeParse({
      companyId: pick('companyId', 'companyID', 'company_id'),
      username: pick('username', 'userName', 'requestedBy'),
      branch: pick('Division', 'division', 'divisionname', 'branch', 'dept', 'department'),
      idempotencyKey: pick('idempotencyKey'),
    });
  if (!fields.success) {
    for (const issue of fields.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return { ...fields.data, file };
});

/** extraction.extract: a multipart upload (FormData) in, the invoice and its cost out. */
export const extract = extractionProcedure.input(ExtractFormSchema).mutation(async ({ ctx, input }) =>
  runExtraction(ctx.deps, ctx.auth, {
    requestId: ctx.requestId,
    receivedAt: ctx.receivedAt,
    companyId: input.companyId,
    username: input.username,
    branch: input.branch,
    idempotencyKey: input.idempotencyKey,
    file: await uploadedFile(input.file),
  }),
);
