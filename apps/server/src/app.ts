import { trpcServer } from '@hono/trpc-server';
import { countOpenReservations } from '@invoicegw/db';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { AppEnv } from './app-env.ts';
import { ServerError, toAppError } from './errors/error-table.ts';
import { errorResponse } from './http/error-response.ts';
import { legacyRoutes } from './http/legacy-routes.ts';
import { docsPage, openApiDocument } from './http/openapi.ts';
import { requireAdmin } from './http/require-admin.ts';
import { resolveAuth } from './http/resolve-auth.ts';
import { restRoutes } from './http/rest-routes.ts';
import { renderMetrics } from './metrics/metrics.ts';
import type { ServerDeps } from './server-deps.ts';
import { appRouter } from './trpc/router.ts';

const JSON_BODY_LIMIT = 1024 * 1024;
const UPLOAD_PATHS = ['/extract', '/v1/extract', '/trpc/extraction.extract'];

/** Builds the HTTP app. Never listens: server.ts does, and tests call app.request(). */
export function createApp(deps: ServerDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const doc = openApiDocument(deps.version);

  app.use(requestId({ headerName: 'X-Request-Id', limitLength: 64 }));
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('receivedAt', Date.now());
    const started = performance.now();
    deps.active.value += 1;
    try {
      await next();
    } finally {
      deps.active.value -= 1;
    }
    const seconds = (performance.now() - started) / 1000;
    const route = routePath(c);
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: c.res.status });
    deps.metrics.httpDuration.observe({ route }, seconds);
    deps.core.logger.log(
      c.res.status >= 500 ? 'ERROR' : 'INFO',
      'http',
      `${c.req.method} ${c.req.path} ${c.res.status} ${Math.round(seconds * 1000)}ms`,
      {
        requestId: c.get('requestId'),
      },
    );
  });
  app.use(
    cors({
      origin: deps.config.corsOrigins,
      allowHeaders: [
        'Authorization',
        'Content-Type',
        'X-Client-Key',
        'X-Api-Key',
        'Idempotency-Key',
        'X-Request-Id',
        'X-Actor',
      ],
    }),
  );
  app.use(async (c, next) => {
    const upload = UPLOAD_PATHS.includes(c.req.path);
    const max = upload ? deps.config.extraction.maxUploadBytes + 1024 * 1024 : JSON_BODY_LIMIT;
    return bodyLimit({
      maxSize: max,
      onError: () => {
        throw new ServerError(
          'PAYLOAD_TOO_LARGE',
          `Request body is larger than ${Math.round(max / 1024 / 1024)} MB`,
        );
      },
    })(c, next);
  });
  app.use(resolveAuth);

  app.route('/', legacyRoutes());
  app.route('/', restRoutes());
  app.get('/openapi.json', (c) => c.json(doc));
  app.get('/docs', (c) => c.html(docsPage(doc)));
  app.get('/metrics', requireAdmin, async (c) => {
    const log = deps.logSink.stats();
    const cache = deps.core.runtime.cache.stats();
    const body = renderMetrics(deps.metrics, [
      {
        name: 'igw_reservations_in_flight',
        help: 'Open quota holds in the database',
        values: [{ value: await countOpenReservations(deps.core.db) }],
      },
      {
        name: 'igw_requests_in_flight',
        help: 'Extractions in flight in this process, by company',
        values: [...deps.inFlight].map(([company, n]) => ({ labels: { company }, value: n })),
      },
      {
        name: 'igw_breaker_open',
        help: 'Circuit breaker state per key (0 closed, 1 open, 0.5 half-open)',
        values: deps.core.runtime.breakerStates().map((b) => ({
          labels: { token_id: b.tokenId },
          value: b.state === 'open' ? 1 : b.state === 'half-open' ? 0.5 : 0,
        })),
      },
      {
        name: 'igw_log_queue_depth',
        help: 'Log records waiting for ApplicationLogs',
        values: [{ value: log.queued }],
      },
      {
        name: 'igw_log_records_dropped_total',
        help: 'Log records dropped because the queue was full',
        values: [{ value: log.dropped }],
      },
      {
        name: 'igw_log_records_written_total',
        help: 'Log records written to ApplicationLogs',
        values: [{ value: log.written }],
      },
      { name: 'igw_cache_entries', help: 'Result cache entries', values: [{ value: cache.entries }] },
      { name: 'igw_cache_hits_total', help: 'Result cache hits', values: [{ value: cache.hits }] },
      { name: 'igw_cache_misses_total', help: 'Result cache misses', values: [{ value: cache.misses }] },
    ]);
    return c.text(body, 200, { 'content-type': 'text/plain; version=0.0.4' });
  });

  app.use(
    '/trpc/*',
    trpcServer({
      router: appRouter,
      endpoint: '/trpc',
      createContext: (_opts, c) => ({
        deps,
        requestId: c.get('requestId') as string,
        receivedAt: c.get('receivedAt') as number,
        auth: c.get('auth'),
      }),
      responseMeta: ({ errors }) => {
        const retry = errors.map((e) => toAppError(e).retryAfterSeconds).find((s) => s !== undefined);
        return retry === undefined ? {} : { headers: new Headers({ 'Retry-After': String(retry) }) };
      },
      onError: ({ error, path }) => {
        const app = toAppError(error);
        if (app.code === 'INTERNAL')
          deps.core.logger.log('ERROR', 'trpc', `Unexpected error in ${path}: ${error.message}`, {
            exception: error.stack,
          });
      },
    }),
  );

  app.notFound((c) =>
    errorResponse(c, new ServerError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error, c) => {
    const appError = toAppError(error);
    if (appError.code === 'INTERNAL') {
      deps.core.logger.log(
        'ERROR',
        'http',
        `Unexpected error on ${c.req.method} ${c.req.path}: ${error.message}`,
        {
          requestId: c.get('requestId'),
          exception: error.stack,
        },
      );
    }
    return errorResponse(c, error);
  });
  return app;
}
