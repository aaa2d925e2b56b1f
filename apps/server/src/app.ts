import { trpcServer } from '@hono/trpc-server';
import { countOpenReservations } from '@invoicegw/db';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { routePath } from 'hono/route';
import type { AppEnv } from './app-env.ts';
import { databaseFailureText, ServerError, toAppError } from './errors/error-table.ts';
import { docsRoutes } from './http/docs-routes.ts';
import { describeError, errorResponse, logFailure, requestLabel } from './http/error-response.ts';
import { legacyRoutes } from './http/legacy-routes.ts';
import { openApiDocument } from './http/openapi.ts';
import { CLIENT_REQUEST_ID_HEADER, clientRequestIdOf, serverRequestId } from './http/request-id.ts';
import { requireAdmin } from './http/require-admin.ts';
import { resolveAuth } from './http/resolve-auth.ts';
import { restRoutes } from './http/rest-routes.ts';
import { renderMetrics } from './metrics/metrics.ts';
import type { ServerDeps } from './server-deps.ts';
import { appRouter } from './trpc/router.ts';
import { usageExportRoutes } from './usage/usage-export-routes.ts';
import { webRoutes } from './web/web-routes.tsx';

const JSON_BODY_LIMIT = 1024 * 1024;
const UPLOAD_PATHS = ['/extract', '/v1/extract', '/trpc/extraction.extract'];
const STREAMED_UPLOAD_PATHS = ['/extract', '/v1/extract'];

/** Builds the HTTP app. Never listens: server.ts does, and tests call app.request(). */
const PROCEDURES: ReadonlySet<string> = new Set(Object.keys(appRouter._def.procedures));

/**
 * The route label: Hono's pattern, and for tRPC the procedure (batched calls joined by a comma),
 * but only names the router has, so a caller cannot mint label values.
 */
const EXTRACTION_ROUTES: ReadonlySet<string> = new Set(UPLOAD_PATHS);

function metricsRoute(c: Context<AppEnv>): string {
  const route = routePath(c);
  if (route !== '/trpc/*') return route;
  const names = c.req.path.slice('/trpc/'.length).split(',');
  return names.length <= 10 && names.every((n) => PROCEDURES.has(n)) ? `/trpc/${names.join(',')}` : route;
}

export function createApp(deps: ServerDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const doc = openApiDocument({ version: deps.version, requireClientKeys: deps.config.requireClientKeys });

  app.use(serverRequestId);
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
    const route = metricsRoute(c);
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: c.res.status });
    deps.metrics.httpDuration.observe({ route }, seconds);
    // A successful extraction's one INFO record is core's, with everything in it; an access line
    // beside it would double the rows of the busiest route.
    if (c.res.status < 300 && EXTRACTION_ROUTES.has(route)) return;
    deps.core.logger.log(
      c.res.status >= 500 ? 'ERROR' : 'INFO',
      'http',
      `${requestLabel(c)} ${c.res.status} ${Math.round(seconds * 1000)}ms`,
      {
        requestId: c.get('requestId'),
        ...clientRequestIdOf(c),
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
      exposeHeaders: ['X-Request-Id', CLIENT_REQUEST_ID_HEADER, 'Retry-After'],
    }),
  );
  app.use(async (c, next) => {
    // The streamed routes count their own body as it arrives (uploads/stream-upload.ts): hono's
    // limiter would buffer a chunked body whole, and touching the body here starts its reading.
    if (c.req.method === 'POST' && STREAMED_UPLOAD_PATHS.includes(c.req.path)) return next();
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
  app.route('/', usageExportRoutes());
  // The dashboard (signed session cookie, forms, pages); old bookmarks land on it.
  for (const path of ['/ui/', '/dashboard', '/admin']) app.get(path, (c) => c.redirect('/ui', 302));
  app.route('/ui', webRoutes());
  app.route('/', docsRoutes(doc));
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
        ...clientRequestIdOf(c),
        receivedAt: c.get('receivedAt') as number,
        auth: c.get('auth'),
        idempotencyKey: c.req.header('idempotency-key'),
      }),
      responseMeta: ({ errors }) => {
        const retry = errors.map((e) => toAppError(e).retryAfterSeconds).find((s) => s !== undefined);
        return retry === undefined ? {} : { headers: new Headers({ 'Retry-After': String(retry) }) };
      },
      onError: ({ error, path, ctx }) => {
        const dbText = databaseFailureText(error);
        if (dbText !== undefined)
          deps.core.logger.log('ERROR', 'database', `Database failure in ${path}: ${dbText}`, {});
        // Refused input is a WARNING without a stack; only our own failures are ERRORs.
        const context = ctx as { requestId?: string; clientRequestId?: string } | undefined;
        logFailure(deps.core.logger, { logger: 'trpc', at: `trpc ${path}` }, error, describeError(error), {
          ...(context?.requestId ? { requestId: context.requestId } : {}),
          ...(context?.clientRequestId ? { clientRequestId: context.clientRequestId } : {}),
        });
      },
    }),
  );

  app.notFound((c) =>
    errorResponse(c, new ServerError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((error, c) => {
    const appError = describeError(error, deps.core.redact);
    const dbText = databaseFailureText(error);
    if (dbText !== undefined)
      deps.core.logger.log(
        'ERROR',
        'database',
        `Database failure on ${c.req.method} ${c.req.path}: ${dbText}`,
        {
          requestId: c.get('requestId'),
        },
      );
    logFailure(deps.core.logger, { logger: 'http', at: requestLabel(c) }, error, appError, {
      requestId: c.get('requestId'),
      ...clientRequestIdOf(c),
    });
    return errorResponse(c, error, appError);
  });
  return app;
}
