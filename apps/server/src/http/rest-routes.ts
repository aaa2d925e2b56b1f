import { callTRPCProcedure } from '@trpc/server';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { ServerError } from '../errors/error-table.ts';
import { runExtraction } from '../extraction/run-extraction.ts';
import { IDEMPOTENCY_HEADER, uploadFieldsOrThrow } from '../extraction/upload-fields.ts';
import { receivedUploadedFile } from '../extraction/uploaded-file.ts';
import { restOperations } from '../openapi/rest-meta.ts';
import { appRouter } from '../trpc/router.ts';
import { streamRouteUpload } from '../uploads/stream-upload.ts';
import { clientRequestIdOf } from './request-id.ts';

/** Every procedure that carries `.meta(rest(...))`: the table /v1 and /openapi.json are built from. */
export const REST_OPERATIONS = restOperations(appRouter);

const ARRAY_QUERY = new Set(['levels']);

/** Query strings carry text; the procedures' own schemas coerce and check it. */
function queryInput(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key).flatMap((v) => v.split(','));
    out[key] = ARRAY_QUERY.has(key) ? values : values[0];
  }
  return out;
}

/** The JSON procedures as REST under /v1, for callers that do not speak tRPC. */
export function restRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const op of REST_OPERATIONS) {
    const honoPath = op.meta.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(op.meta.method.toUpperCase(), honoPath, async (c) => {
      const body = op.meta.method === 'post' ? await c.req.json().catch(() => ({})) : {};
      const input = {
        ...queryInput(new URL(c.req.url)),
        ...(typeof body === 'object' && body ? body : {}),
        ...c.req.param(),
      };
      // The procedure the route was built from, by its own path and type: the same middleware,
      // validators (input and output) and errors as over /trpc.
      const result = await callTRPCProcedure({
        router: appRouter,
        path: op.name,
        type: op.type,
        ctx: {
          deps: c.get('deps'),
          requestId: c.get('requestId'),
          ...clientRequestIdOf(c),
          receivedAt: c.get('receivedAt'),
          auth: c.get('auth'),
        },
        getRawInput: async () => (op.input ? input : undefined),
        signal: c.req.raw.signal,
        batchIndex: 0,
      });
      return c.json(result as object);
    });
  }
  // Uploads are multipart, which tRPC's JSON-over-REST cannot carry: one hand-written route.
  app.post('/v1/extract', async (c) => {
    const upload = await streamRouteUpload(c);
    try {
      const fields = uploadFieldsOrThrow(upload.fields, c.req.header(IDEMPOTENCY_HEADER));
      if (!upload.file) throw new ServerError('VALIDATION_ERROR', 'file is required');
      // runExtraction checks the credential against the company, as for every other route.
      const result = await runExtraction(c.get('deps'), c.get('auth'), {
        requestId: c.get('requestId'),
        ...clientRequestIdOf(c),
        receivedAt: c.get('receivedAt'),
        ...fields,
        file: await receivedUploadedFile(upload.file),
      });
      return c.json(result);
    } finally {
      await upload.dispose();
    }
  });
  return app;
}
