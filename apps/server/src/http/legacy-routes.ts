import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { ServerError } from '../errors/error-table.ts';
import { runExtraction } from '../extraction/run-extraction.ts';
import {
  formField,
  IDEMPOTENCY_HEADER,
  printableText,
  UPLOAD_FIELD_ALIASES,
  uploadFieldsOrThrow,
} from '../extraction/upload-fields.ts';
import { receivedUploadedFile } from '../extraction/uploaded-file.ts';
import { invalidateCache, readCacheStatus } from '../monitoring/cache-status.ts';
import { readHealth } from '../monitoring/health.ts';
import { type StreamedUpload, streamRouteUpload } from '../uploads/stream-upload.ts';
import { logValidationFailure } from './error-response.ts';
import { clientRequestIdOf } from './request-id.ts';
import { requireAdmin } from './require-admin.ts';

/**
 * The old Python service's HTTP contract, for callers that cannot change: the checklist's curl
 * commands work as written. Statuses are now real HTTP statuses; the envelope is the same.
 */
export function legacyRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const health = await readHealth(c.get('deps'));
    return c.json(health, health.status === 'active' ? 200 : 503);
  });

  app.get('/cache/status', async (c) => c.json(await readCacheStatus(c.get('deps'))));

  app.post('/cache/invalidate', requireAdmin, async (c) => {
    const companyId = c.req.query('companyId')?.trim() || undefined;
    // The same bound as the upload's companyID (the ZodError becomes a 400 VALIDATION_ERROR).
    if (companyId !== undefined) z.object({ companyId: printableText(50) }).parse({ companyId });
    // The old envelope's status is "ok" | "error", as on every legacy route; the message is the old one.
    const { status: _, ...answer } = await invalidateCache(c.get('deps'), companyId);
    return c.json({ status: 'ok', ...answer });
  });

  app.post('/extract', async (c) => {
    const upload = await streamRouteUpload(c);
    try {
      return await legacyExtract(c, upload);
    } finally {
      await upload.dispose();
    }
  });

  return app;
}

/** /extract on a received upload: the old 422 for missing fields, then the shared checks. */
async function legacyExtract(c: Context<AppEnv>, upload: StreamedUpload): Promise<Response> {
  const deps = c.get('deps');
  const form = upload.fields;
  const companyId = formField(form, UPLOAD_FIELD_ALIASES.companyId);
  const username = formField(form, UPLOAD_FIELD_ALIASES.username);
  if (!companyId || !username) {
    const missing = [...(companyId ? [] : ['companyID']), ...(username ? [] : ['username'])];
    logValidationFailure(c, `missing ${missing.join(', ')}`);
    return c.json(
      {
        status: 'error',
        code: 'VALIDATION_ERROR',
        message: 'Please provide both companyID and username.',
        requestId: c.get('requestId'),
        // FastAPI's shape, which the old service's callers already parse.
        detail: missing.map((name) => ({ type: 'missing', loc: ['body', name], msg: 'Field required' })),
      },
      422,
    );
  }
  const fields = uploadFieldsOrThrow(form, c.req.header(IDEMPOTENCY_HEADER));
  if (formField(form, ['extractFromLink'])?.value.trim() === '1') {
    throw new ServerError(
      'URL_MODE_UNSUPPORTED',
      'pdf_url is not supported: the server does not fetch URLs (upload the file instead)',
    );
  }
  const { file } = upload;
  if (!file) throw new ServerError('VALIDATION_ERROR', 'file is required when extractFromLink=0');
  const result = await runExtraction(deps, c.get('auth'), {
    requestId: c.get('requestId'),
    ...clientRequestIdOf(c),
    receivedAt: c.get('receivedAt'),
    ...fields,
    file: await receivedUploadedFile(file),
  });
  const { data, ...meta } = result;
  return c.json({ status: 'ok', message: 'Invoice processed successfully', data, meta });
}
