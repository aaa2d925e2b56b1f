/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../app-env.ts';
import { SESSION_COOKIE, SESSION_TTL_SECONDS, signSession } from '../auth/session-cookie.ts';
import { databaseFailureText, ServerError } from '../errors/error-table.ts';
import { describeError, errorResponse, logFailure, requestLabel } from '../http/error-response.ts';
import { assertAdmin } from '../http/require-admin.ts';
import { actorName, adminSignIn } from '../http/resolve-auth.ts';
import { alertsRoutes } from './alerts-routes.tsx';
import { DASHBOARD_CSS, LOG_TAIL_JS } from './assets.ts';
import { type Caller, callerOf, type LogRow } from './caller.ts';
import { fillDays } from './components/usage-chart.tsx';
import { field, idParam, numberField, utcInput } from './format.ts';
import { layout } from './layout.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { CachePage } from './pages/cache-page.tsx';
import { ErrorPage } from './pages/error-page.tsx';
import { ERROR_RANGES, ErrorsPage } from './pages/errors-page.tsx';
import { LogsPage, TAIL_LEVELS, type TailLevel, type TailRow, toTailRow } from './pages/logs-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { TokenPage } from './pages/token-page.tsx';
import { TokensPage } from './pages/tokens-page.tsx';
import { USAGE_RANGES, UsagePage } from './pages/usage-page.tsx';
import { cookieOptions, requireSession, safeNext } from './session.ts';

const DAY = 86_400_000;
const TAIL_INTERVAL_MS = 3000;
const TAIL_ROWS = 100;
const AUDIT_PAGE = 50;
type Body = Record<string, unknown>;

const startOfUtcDay = (ms: number) => {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
};
const nowOf = (c: Context<AppEnv>) => c.get('deps').core.now().getTime();

const DONE: Record<string, (status: string) => string> = {
  status: (status) => `Saved: the key is now ${status}.`,
  limit: () => 'Saved: limit and threshold.',
  expiry: () => 'Saved: expiry.',
  budget: () => 'Saved: budget period.',
  rotate: () =>
    'Rotated: this is the new key, Active now. The old key serves requests in flight until it retires.',
  verify: () => 'Checked with Gemini: the answer is under “Last checked with Gemini”.',
};

async function renderKey(
  c: Context<AppEnv>,
  tokenId: number,
  extra: { notice?: string | undefined; error?: string | undefined; status?: number } = {},
) {
  const caller = callerOf(c);
  const now = nowOf(c);
  const token = await caller.tokens.get({ tokenId });
  const from = startOfUtcDay(now - 29 * DAY);
  const [siblings, days, audit, windows] = await Promise.all([
    caller.tokens.list({ companyId: token.companyId, includeRemoved: true }),
    caller.monitoring.usage({ groupBy: 'day', tokenId, from: from.toISOString() }),
    caller.tokens.audit({ tokenId, limit: 10 }),
    caller.tokens.budgetWindows({ tokenId, limit: 12 }),
  ]);
  const done = c.req.query('done');
  c.status((extra.status ?? 200) as ContentfulStatusCode);
  return c.render(
    <TokenPage
      token={token}
      replacedBy={siblings.find((s) => s.rotatedFromTokenId === tokenId)?.tokenId}
      days={fillDays(days, from, new Date(now))}
      audit={audit}
      windows={windows}
      now={now}
      notice={extra.notice ?? (done && DONE[done] ? DONE[done](token.status) : undefined)}
      error={extra.error}
    />,
    { title: `Key #${tokenId}`, area: 'keys' },
  );
}

/** A refusal from a procedure, logged as the API logs it (WARNING for refused input, ERROR for ours). */
function described(c: Context<AppEnv>, error: unknown) {
  const deps = c.get('deps');
  const app = describeError(error, deps.core.redact);
  if (app.code === 'UNAUTHORIZED') throw error;
  logFailure(deps.core.logger, { logger: 'web', at: requestLabel(c) }, error, app, {
    requestId: c.get('requestId'),
  });
  return app;
}

const TAIL_FILTER: Record<TailLevel, Array<'WARNING' | 'ERROR' | 'CRITICAL'> | undefined> = {
  all: undefined,
  warning: ['WARNING', 'ERROR', 'CRITICAL'],
  error: ['ERROR', 'CRITICAL'],
};

/** The dashboard's own page views and polls: hidden from the tail unless asked for. */
const isOwnRequest = (r: LogRow) => r.logger === 'http' && /^(GET|HEAD) \/ui(\/|\s|$)/.test(r.message ?? '');

function tailFilters(c: Context<AppEnv>) {
  const raw = c.req.query('level') ?? 'all';
  const level: TailLevel = raw in TAIL_LEVELS ? (raw as TailLevel) : 'all';
  const company = c.req.query('company')?.trim() || undefined;
  const search = c.req.query('search')?.trim() || undefined;
  const own = c.req.query('own') === '1';
  const query = new URLSearchParams();
  if (level !== 'all') query.set('level', level);
  if (company) query.set('company', company);
  if (search) query.set('search', search);
  if (own) query.set('own', '1');
  const levels = TAIL_FILTER[level];
  return {
    level,
    company,
    search,
    own,
    query: query.toString(),
    input: {
      ...(levels ? { levels } : {}),
      ...(company ? { companyId: company } : {}),
      ...(search ? { search } : {}),
    },
  };
}

/** New rows after `afterId` (oldest first), and the cursor to ask from next. */
async function tailAfter(caller: Caller, f: ReturnType<typeof tailFilters>, afterId: number) {
  const rows = await caller.monitoring.logs({ ...f.input, afterId, limit: 200 });
  const cursor = rows.reduce((n, r) => Math.max(n, r.logId), afterId);
  return { rows: rows.filter((r) => f.own || !isOwnRequest(r)).map(toTailRow), cursor };
}

/** The newest rows (newest first), reading past the dashboard's own lines, at most five pages. */
async function tailLatest(caller: Caller, f: ReturnType<typeof tailFilters>) {
  const kept: TailRow[] = [];
  let cursor = 0;
  for (let page = 0; page < 5 && kept.length < TAIL_ROWS; page++) {
    const rows = await caller.monitoring.logs({ ...f.input, limit: 200, offset: page * 200 });
    if (page === 0) cursor = rows.reduce((n, r) => Math.max(n, r.logId), 0);
    kept.push(...rows.filter((r) => f.own || !isOwnRequest(r)).map(toTailRow));
    if (rows.length < 200) break;
  }
  return { rows: kept.slice(0, TAIL_ROWS), cursor };
}

/** The dashboard at /ui: server-rendered pages over the same tRPC procedures the API serves. */
export function webRoutes(): Hono<AppEnv> {
  const web = new Hono<AppEnv>();

  web.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      // HSTS is the TLS front's to decide, for the whole host, not one path's.
      strictTransportSecurity: false,
    }),
  );
  web.use(async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.header('Cache-Control', 'no-store');
  });

  web.get('/assets/dashboard.css', (c) =>
    c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }),
  );
  web.get('/assets/log-tail.js', (c) =>
    c.body(LOG_TAIL_JS, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'max-age=300',
    }),
  );

  web.use(layout);
  // Forms are same-origin only (Origin / Sec-Fetch-Site), on top of the SameSite=Strict cookie.
  web.use(csrf());

  web.get('/sign-in', (c) => {
    const notice = c.req.query('signedOut')
      ? 'Signed out.'
      : c.req.query('ended')
        ? 'Your session has ended or is not valid: sign in again.'
        : undefined;
    return c.render(<SignInPage next={safeNext(c.req.query('next'))} notice={notice} />, {
      title: 'Sign in',
    });
  });

  web.post('/sign-in', async (c) => {
    const deps = c.get('deps');
    const body: Body = await c.req.parseBody();
    const key = typeof body.adminKey === 'string' ? body.adminKey : '';
    const typed = typeof body.operator === 'string' ? body.operator : '';
    const next = safeNext(body.next);
    const auth = adminSignIn(deps, key, typed);
    let actor: string;
    try {
      actor = assertAdmin(auth);
    } catch {
      deps.core.logger.log('WARNING', 'web', 'Dashboard sign-in refused: not the admin key', {
        requestId: c.get('requestId'),
      });
      c.status(401);
      // The operator name is shown again only as the audit trail would record it (keys masked).
      const operator = typed.trim() ? actorName(typed, deps.core.redact) : '';
      return c.render(
        <SignInPage
          next={next}
          operator={operator}
          error={auth.kind === 'anonymous' ? 'Enter the admin key.' : 'That is not the admin key.'}
        />,
        { title: 'Sign in' },
      );
    }
    const expiresAt = deps.core.now().getTime() + SESSION_TTL_SECONDS * 1000;
    setCookie(c, SESSION_COOKIE, signSession({ actor, expiresAt }, deps.adminKey), {
      ...cookieOptions(c),
      maxAge: SESSION_TTL_SECONDS,
    });
    deps.core.logger.log('INFO', 'web', `Dashboard sign-in by ${actor}`, { requestId: c.get('requestId') });
    return c.redirect(next ?? '/ui', 303);
  });

  web.post('/sign-out', (c) => {
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
    return c.redirect('/ui/sign-in?signedOut=1', 303);
  });

  web.use(requireSession);

  web.get('/', async (c) => {
    const caller = callerOf(c);
    const company = c.req.query('company')?.trim() || undefined;
    const includeRemoved = c.req.query('includeRemoved') === 'true';
    const [tokens, companies] = await Promise.all([
      caller.tokens.list({ ...(company ? { companyId: company } : {}), includeRemoved }),
      caller.monitoring.usageSummary(),
    ]);
    return c.render(
      <TokensPage
        tokens={tokens}
        companies={companies}
        now={nowOf(c)}
        company={company}
        includeRemoved={includeRemoved}
      />,
      { title: 'Keys', area: 'keys' },
    );
  });

  web.get('/keys/:id', (c) => {
    const tokenId = idParam(c.req.param('id'));
    if (tokenId === undefined) throw new ServerError('NOT_FOUND', 'No such key');
    return renderKey(c, tokenId);
  });

  const action = (name: string, run: (caller: Caller, tokenId: number, body: Body) => Promise<number>) =>
    web.post(`/keys/:id/${name}`, async (c) => {
      const tokenId = idParam(c.req.param('id'));
      if (tokenId === undefined) throw new ServerError('NOT_FOUND', 'No such key');
      const body: Body = await c.req.parseBody();
      try {
        const target = await run(callerOf(c), tokenId, body);
        return c.redirect(`/ui/keys/${target}?done=${name}`, 303);
      } catch (error) {
        const app = described(c, error);
        return renderKey(c, tokenId, { error: app.message, status: app.status });
      }
    });

  action('status', async (caller, tokenId, body) => {
    const status = body.status === 'Disabled' ? 'Disabled' : body.status === 'Active' ? 'Active' : undefined;
    if (!status) throw new ServerError('VALIDATION_ERROR', 'status must be Active or Disabled');
    await caller.tokens.setStatus({ tokenId, status, reason: field(body, 'reason') });
    return tokenId;
  });
  action('limit', async (caller, tokenId, body) => {
    const threshold = numberField(body, 'threshold');
    await caller.tokens.setLimit({
      tokenId,
      totalTokenLimit: numberField(body, 'totalTokenLimit') ?? Number.NaN,
      ...(threshold === undefined ? {} : { threshold }),
      reason: field(body, 'reason'),
    });
    return tokenId;
  });
  action('expiry', async (caller, tokenId, body) => {
    const clear = body.action === 'clear';
    const expiresAt = clear ? null : utcInput(field(body, 'expiresAt'));
    if (expiresAt === undefined)
      throw new ServerError('VALIDATION_ERROR', 'Choose a date and time, or press “Never expire”');
    await caller.tokens.setExpiry({ tokenId, expiresAt, reason: field(body, 'reason') });
    return tokenId;
  });
  action('budget', async (caller, tokenId, body) => {
    const period = field(body, 'period');
    if (period !== 'none' && period !== 'daily' && period !== 'weekly' && period !== 'monthly')
      throw new ServerError('VALIDATION_ERROR', 'period must be none, daily, weekly or monthly');
    const timeZone = field(body, 'timeZone');
    await caller.tokens.setBudget({
      tokenId,
      period,
      ...(timeZone ? { timeZone } : {}),
      reason: field(body, 'reason'),
    });
    return tokenId;
  });
  action('rotate', async (caller, tokenId, body) => {
    const graceSeconds = numberField(body, 'graceSeconds');
    const totalTokenLimit = numberField(body, 'totalTokenLimit');
    const result = await caller.tokens.rotate({
      tokenId,
      newApiKey: typeof body.newApiKey === 'string' ? body.newApiKey.trim() : '',
      ...(graceSeconds === undefined ? {} : { graceSeconds }),
      ...(totalTokenLimit === undefined ? {} : { totalTokenLimit }),
      // A checkbox: sent only when ticked.
      ...(body.force === undefined ? {} : { force: true }),
      reason: field(body, 'reason'),
    });
    return result.current.tokenId;
  });
  action('verify', async (caller, tokenId, body) => {
    await caller.tokens.verify({ tokenId, reason: field(body, 'reason') ?? 'checked from the dashboard' });
    return tokenId;
  });

  web.get('/usage', async (c) => {
    const caller = callerOf(c);
    const now = nowOf(c);
    const asked = Number(c.req.query('days'));
    const range = (USAGE_RANGES as readonly number[]).includes(asked) ? asked : 30;
    const company = c.req.query('company')?.trim() || undefined;
    const tokenId = idParam(c.req.query('key'));
    const from = startOfUtcDay(now - (range - 1) * DAY);
    const scope = {
      from: from.toISOString(),
      ...(company ? { companyId: company } : {}),
    };
    const [days, byCompany, byKey, tokens] = await Promise.all([
      caller.monitoring.usage({ groupBy: 'day', ...scope, ...(tokenId ? { tokenId } : {}) }),
      caller.monitoring.usage({ groupBy: 'company', ...scope }),
      caller.monitoring.usage({ groupBy: 'token', ...scope }),
      caller.tokens.list({ includeRemoved: true }),
    ]);
    return c.render(
      <UsagePage
        company={company}
        tokenId={tokenId}
        range={range}
        days={fillDays(days, from, new Date(now))}
        byCompany={byCompany}
        byKey={byKey}
        tokens={tokens}
      />,
      { title: 'Usage', area: 'usage' },
    );
  });

  web.get('/errors', async (c) => {
    const caller = callerOf(c);
    const asked = Number(c.req.query('days'));
    const range = (ERROR_RANGES as readonly number[]).includes(asked) ? asked : 7;
    const since = new Date(nowOf(c) - range * DAY).toISOString();
    const [errors, retries] = await Promise.all([
      caller.monitoring.recentErrors(),
      caller.monitoring.retryStats({ since }),
    ]);
    return c.render(<ErrorsPage errors={errors} retries={retries} range={range} />, {
      title: 'Errors',
      area: 'errors',
    });
  });

  web.get('/logs', async (c) => {
    const f = tailFilters(c);
    const { rows, cursor } = await tailLatest(callerOf(c), f);
    return c.render(
      <LogsPage
        rows={rows}
        cursor={cursor}
        level={f.level}
        company={f.company}
        search={f.search}
        own={f.own}
        query={f.query}
        intervalMs={TAIL_INTERVAL_MS}
      />,
      { title: 'Log tail', area: 'logs', script: 'log-tail', refreshSeconds: 10 },
    );
  });

  web.get('/logs.json', async (c) => {
    const f = tailFilters(c);
    const afterId = idParam(c.req.query('afterId')) ?? 0;
    return c.json(await tailAfter(callerOf(c), f, afterId));
  });

  web.get('/audit', async (c) => {
    const company = c.req.query('company')?.trim() || undefined;
    const tokenId = idParam(c.req.query('key'));
    const actionName = c.req.query('action')?.trim() || undefined;
    const offset = Math.min(1_000_000, idParam(c.req.query('offset')) ?? 0);
    const rows = await callerOf(c).tokens.audit({
      ...(company ? { companyId: company } : {}),
      ...(tokenId ? { tokenId } : {}),
      ...(actionName ? { action: actionName } : {}),
      limit: AUDIT_PAGE,
      offset,
    });
    return c.render(
      <AuditPage
        rows={rows}
        company={company}
        tokenId={tokenId}
        action={actionName}
        offset={offset}
        pageSize={AUDIT_PAGE}
      />,
      { title: 'Audit trail', area: 'audit' },
    );
  });

  const renderCache = async (c: Context<AppEnv>, extra: { error?: string; status?: number } = {}) => {
    const status = await callerOf(c).monitoring.cacheStatus();
    const removed = idParam(c.req.query('removed')) ?? 0;
    const notice =
      c.req.query('done') === 'invalidated' ? `Cache invalidated: ${removed} entries removed.` : undefined;
    c.status((extra.status ?? 200) as ContentfulStatusCode);
    return c.render(<CachePage status={status} notice={notice} error={extra.error} />, {
      title: 'Cache',
      area: 'cache',
    });
  };
  web.get('/cache', (c) => renderCache(c));
  web.post('/cache/invalidate', async (c) => {
    const deps = c.get('deps');
    const body: Body = await c.req.parseBody();
    const companyId = field(body, 'companyId');
    try {
      const result = await callerOf(c).monitoring.invalidateCache(companyId ? { companyId } : {});
      // The procedure keeps no AuditLog row (AuditLog is per key): the log says who did it.
      deps.core.logger.log(
        'INFO',
        'web',
        `Cache invalidated from the dashboard by ${assertAdmin(c.get('auth'))} (${companyId ?? 'every company'}): ${result.removed} entries`,
        { requestId: c.get('requestId'), ...(companyId ? { companyId } : {}) },
      );
      return c.redirect(`/ui/cache?done=invalidated&removed=${Number(result.removed) || 0}`, 303);
    } catch (error) {
      const app = described(c, error);
      return renderCache(c, { error: app.message, status: app.status });
    }
  });

  web.route('/alerts', alertsRoutes());

  web.all('*', (c) => {
    throw new ServerError('NOT_FOUND', `No dashboard page at ${c.req.path}`);
  });

  web.onError((error, c) => {
    const deps = c.get('deps');
    if (error instanceof HTTPException) {
      deps.core.logger.log('WARNING', 'web', `Cross-site form refused on ${requestLabel(c)}`, {
        requestId: c.get('requestId'),
      });
      c.status(error.status);
      return c.render(
        <ErrorPage
          heading="Refused"
          message="This form was not sent from the dashboard itself (a cross-site request): nothing was changed."
        />,
        { title: 'Refused' },
      );
    }
    const app = describeError(error, deps.core.redact);
    const dbText = databaseFailureText(error);
    if (dbText !== undefined)
      deps.core.logger.log('ERROR', 'database', `Database failure on ${requestLabel(c)}: ${dbText}`, {
        requestId: c.get('requestId'),
      });
    logFailure(deps.core.logger, { logger: 'web', at: requestLabel(c) }, error, app, {
      requestId: c.get('requestId'),
    });
    if (c.req.path === '/ui/logs.json') return errorResponse(c, error, app);
    c.status(app.status as ContentfulStatusCode);
    return c.render(
      <ErrorPage heading={app.status === 404 ? 'Not found' : 'Something went wrong'} message={app.message} />,
      {
        title: 'Error',
      },
    );
  });

  return web;
}
