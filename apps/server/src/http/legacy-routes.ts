import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { ServerError } from '../errors/error-table.ts';
import { runExtraction } from '../extraction/run-extraction.ts';
import { uploadedFile } from '../extraction/uploaded-file.ts';
import { invalidateCache, readCacheStatus } from '../monitoring/cache-status.ts';
import { readHealth } from '../monitoring/health.ts';
import { parseForm } from './parse-form.ts';
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

  app.get('/cache/status', (c) => c.json(readCacheStatus(c.get('deps'))));

  app.post('/cache/invalidate', requireAdmin, (c) =>
    c.json(invalidateCache(c.get('deps'), c.req.query('companyId') || undefined)),
  );

  app.post('/extract', async (c) => {
    const deps = c.get('deps');
    const form = await parseForm(c);
    const field = (...names: string[]) => {
      const lower = new Map(Object.entries(form).map(([k, v]) => [k.toLowerCase(), v]));
      for (const n of names) {
        const v = form[n] ?? lower.get(n.toLowerCase());
        if (typeof v === 'string' && v.trim() !== '') return v.trim();
      }
      return undefined;
    };
    const companyId = field('companyID', 'companyId', 'company_id');
    const username = field('username', 'userName', 'requestedBy');
    if (!companyId || !username) {
      const missing = [...(companyId ? [] : ['companyID']), ...(username ? [] : ['username'])];
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
    if (field('extractFromLink') === '1') {
      throw new ServerError(
        'URL_MODE_UNSUPPORTED',
        'pdf_url is not supported: the server does not fetch URLs (upload the file instead)',
      );
    }
    const file = form.file;
    if (!(file instanceof Blob))
      throw new ServerError('VALIDATION_ERROR', 'file is required when extractFromLink=0');
    const result = await runExtraction(deps, c.get('auth'), {
      requestId: c.get('requestId'),
      receivedAt: c.get('receivedAt'),
      companyId,
      username,
      // The old precedence: Division, then division-like fields, then branch.
      branch: field('Division', 'division', 'divisionname', 'branch', 'dept', 'department'),
      idempotencyKey: c.req.header('idempotency-key') ?? field('idempotencyKey'),
      file: await uploadedFile(file),
    });
    const { data, ...meta } = result;
    return c.json({ status: 'ok', message: 'Invoice processed successfully', data, meta });
  });

  return app;
}
