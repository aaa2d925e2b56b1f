import type { Context } from 'hono';
import { ServerError } from '../errors/error-table.ts';

/** The multipart (or urlencoded) body, or a 400 that says it could not be read (never a 500). */
export async function parseForm(c: Context): Promise<FormData> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(type)) {
    throw new ServerError('VALIDATION_ERROR', 'Send the upload as multipart/form-data');
  }
  try {
    return await c.req.formData();
  } catch {
    throw new ServerError(
      'VALIDATION_ERROR',
      'The multipart body could not be read (malformed or incomplete)',
    );
  }
}
