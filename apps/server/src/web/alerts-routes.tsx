/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../app-env.ts';
import { describeError, logFailure, requestLabel } from '../http/error-response.ts';
import { callerOf } from './caller.ts';
import { field, idParam } from './format.ts';
import { AlertsPage } from './pages/alerts-page.tsx';

type Body = Record<string, string | File | Array<string | File>>;

const DONE: Record<string, string> = {
  removed: 'Subscription removed.',
};

/** /ui/alerts: webhook subscriptions through the alerts.* procedures (admin check, audit, SSRF guard). */
export function alertsRoutes(): Hono<AppEnv> {
  const web = new Hono<AppEnv>();
  const render = async (
    c: Context<AppEnv>,
    extra: { error?: string; notice?: string; secret?: string; status?: number } = {},
  ) => {
    const caller = callerOf(c);
    const [subscriptions, deliveries] = await Promise.all([
      caller.alerts.list({}),
      caller.alerts.deliveries({ limit: 50 }),
    ]);
    c.status((extra.status ?? 200) as ContentfulStatusCode);
    return c.render(
      <AlertsPage
        subscriptions={subscriptions}
        deliveries={deliveries}
        notice={extra.notice ?? DONE[c.req.query('done') ?? '']}
        error={extra.error}
        secret={extra.secret}
      />,
      { title: 'Alerts', area: 'alerts' },
    );
  };
  const refused = (c: Context<AppEnv>, error: unknown) => {
    const deps = c.get('deps');
    const app = describeError(error, deps.core.redact);
    if (app.code === 'UNAUTHORIZED') throw error;
    logFailure(deps.core.logger, { logger: 'web', at: requestLabel(c) }, error, app, {
      requestId: c.get('requestId'),
    });
    return render(c, { error: app.message, status: app.status });
  };
  web.get('/', (c) => render(c));
  web.post('/add', async (c) => {
    const body: Body = await c.req.parseBody({ all: true });
    const raw = body.events;
    const events = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
      (e): e is string => typeof e === 'string',
    );
    try {
      const result = await callerOf(c).alerts.add({
        url: field(body, 'url') ?? '',
        events: events.length ? events : ['all'],
        allowPrivate: field(body, 'allowPrivate') === '1',
        ...(field(body, 'label') ? { label: field(body, 'label')! } : {}),
      });
      // No redirect: the secret must not travel in a URL, and this answer is its one showing.
      c.header('Cache-Control', 'no-store');
      return render(c, {
        notice: `Subscribed ${result.info.url} as ${result.info.subscriptionId}.`,
        secret: result.secret,
      });
    } catch (error) {
      return refused(c, error);
    }
  });
  web.post('/:id/remove', async (c) => {
    const subscriptionId = idParam(c.req.param('id'));
    try {
      await callerOf(c).alerts.remove({ subscriptionId: subscriptionId ?? 0 });
      return c.redirect('/ui/alerts?done=removed', 303);
    } catch (error) {
      return refused(c, error);
    }
  });
  web.post('/:id/test', async (c) => {
    const subscriptionId = idParam(c.req.param('id'));
    try {
      const r = await callerOf(c).alerts.test({ subscriptionId: subscriptionId ?? 0 });
      const d = r.delivery;
      const text = d
        ? `Test alert ${r.outboxId}: ${d.outcome}${d.statusCode === null ? '' : ` (HTTP ${d.statusCode})`}${d.error ? `: ${d.error}` : ''}.`
        : `Test alert ${r.outboxId} is ${r.status}.`;
      return d && d.outcome !== 'delivered' ? render(c, { error: text }) : render(c, { notice: text });
    } catch (error) {
      return refused(c, error);
    }
  });
  return web;
}
