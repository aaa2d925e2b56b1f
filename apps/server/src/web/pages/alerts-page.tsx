/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { ALERT_EVENTS } from '@invoicegw/core';
import type { Caller } from '../caller.ts';
import { Alert, Notice } from '../components/messages.tsx';

type Out<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;
export type AlertSubscriptionRow = Out<Caller['alerts']['list']>[number];
export type AlertDeliveryRow = Out<Caller['alerts']['deliveries']>[number];

/** Webhook subscriptions (add, test, remove) and the latest delivery attempts. */
export function AlertsPage({
  subscriptions,
  deliveries,
  notice,
  error,
  secret,
}: {
  subscriptions: AlertSubscriptionRow[];
  deliveries: AlertDeliveryRow[];
  notice?: string | undefined;
  error?: string | undefined;
  /** The signing secret of a subscription just added: on this one page only. */
  secret?: string | undefined;
}) {
  return (
    <>
      <h1>Alerts</h1>
      <Notice text={notice} />
      <Alert text={error} />
      {secret ? (
        <section class="card" aria-labelledby="secret-h">
          <h2 id="secret-h">Signing secret (shown once)</h2>
          <p>
            Give it to the receiver now: it is stored sealed and never shown again. Each POST carries{' '}
            <code>X-IGW-Signature: sha256=HMAC-SHA256(secret, "&lt;X-IGW-Timestamp&gt;.&lt;body&gt;")</code>.
          </p>
          <output class="secret">{secret}</output>
        </section>
      ) : null}
      <section class="card" aria-labelledby="subs-h">
        <h2 id="subs-h">Subscriptions</h2>
        {subscriptions.length === 0 ? (
          <p class="muted">No webhook subscriptions yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Secret</th>
                <th scope="col">Private addresses</th>
                <th scope="col">Label</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {subscriptions.map((s) => (
                <tr>
                  <td>{s.subscriptionId}</td>
                  <td>{s.url}</td>
                  <td>{s.events.join(', ')}</td>
                  <td>{s.secretHint}</td>
                  <td>{s.allowPrivate ? 'allowed' : 'refused'}</td>
                  <td>{s.label ?? ''}</td>
                  <td>
                    <form method="post" action={`/ui/alerts/${s.subscriptionId}/test`} class="inline">
                      <button
                        type="submit"
                        aria-label={`Send a test alert to subscription ${s.subscriptionId}`}
                      >
                        Test
                      </button>
                    </form>
                    <form method="post" action={`/ui/alerts/${s.subscriptionId}/remove`} class="inline">
                      <button
                        type="submit"
                        class="danger"
                        aria-label={`Remove subscription ${s.subscriptionId}`}
                      >
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <form class="card" method="post" action="/ui/alerts/add" aria-labelledby="add-h">
        <h2 id="add-h">Add a webhook</h2>
        <label for="alert-url">URL (http or https)</label>
        <input id="alert-url" name="url" type="url" required maxlength={2000} />
        <fieldset>
          <legend>Events</legend>
          {ALERT_EVENTS.map((e) => (
            <label>
              <input type="checkbox" name="events" value={e} checked /> {e}
            </label>
          ))}
        </fieldset>
        <label for="alert-label">Label</label>
        <input id="alert-label" name="label" type="text" maxlength={200} />
        <label>
          <input type="checkbox" name="allowPrivate" value="1" /> Allow a loopback or private address{' '}
          <span class="hint">(refused otherwise; recorded in the audit trail)</span>
        </label>
        <button type="submit">Add webhook</button>
      </form>
      <section class="card" aria-labelledby="log-h">
        <h2 id="log-h">Latest deliveries</h2>
        {deliveries.length === 0 ? (
          <p class="muted">Nothing delivered yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">At (UTC)</th>
                <th scope="col">Subscription</th>
                <th scope="col">Alert</th>
                <th scope="col">Event</th>
                <th scope="col">Attempt</th>
                <th scope="col">HTTP</th>
                <th scope="col">ms</th>
                <th scope="col">Error</th>
                <th scope="col">Now</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr>
                  <td>{d.attemptedAt}</td>
                  <td>{d.subscriptionId}</td>
                  <td>{d.outboxId}</td>
                  <td>{d.eventType}</td>
                  <td>{d.attempt}</td>
                  <td>{d.statusCode ?? '—'}</td>
                  <td>{d.durationMs}</td>
                  <td>{d.error ?? ''}</td>
                  <td>{d.outboxStatus}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
