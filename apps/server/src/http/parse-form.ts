import type { Context } from 'hono';
import { ServerError } from '../errors/error-table.ts';

/** The multipart body, or a 400 that says it could not be read (never a 500). */
export async function parseForm(c: Context): Promise<Record<string, string | File>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(type)) {
    throw new ServerError('VALIDATION_ERROR', 'Send the upload as multipart/form-data');
  }
  try {
    return (await c.req.parseBody({ all: false })) as Record<string, string | File>;
  } catch {
    throw new ServerError(
      'VALIDATION_ERROR',
      'The multipart body could not be read (malformed or incomplete)',
    );
  }
}
