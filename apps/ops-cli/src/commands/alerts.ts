import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { examples } from '../help.ts';
import { emit, table } from '../output.ts';
import type { CommandContext } from './command-context.ts';

const EVENTS =
  'threshold_crossed, budget_spent, key_rejected, key_expiring, rotation_grace_ended, daily_quota_hit, circuit_open (or all)';

function subscriptionId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new CliError(`Not a subscription id: ${text}`, EXIT.USAGE);
  return id;
}

export function alertsCommand(ctx: CommandContext): Command {
  const alerts = examples(
    new Command('alerts').description(
      'webhook alerts: signed POSTs when a key crosses its threshold, spends its budget, is rejected, expires soon…',
    ),
    'ocr-ops alerts add https://hooks.example.com/igw --events budget_spent,key_rejected > igw.webhook-secret',
    'ocr-ops alerts list',
    'ocr-ops alerts test 1',
    'ocr-ops alerts deliveries --limit 20',
    'ocr-ops alerts remove 1',
  );
  const client = () => ctx.connection().client;
  examples(
    alerts
      .command('add <url>')
      .description(
        'subscribe a webhook (http or https); the signing secret is printed once, on stdout. Loopback and private addresses are refused unless --allow-private',
      )
      .option('--events <list>', `comma-separated: ${EVENTS}`, 'all')
      .option('--label <text>', 'what it is for')
      .option('--allow-private', 'allow a loopback or private address (recorded in the audit trail)'),
    'ocr-ops alerts add https://hooks.example.com/igw --events budget_spent,key_rejected > igw.webhook-secret',
    'ocr-ops alerts add http://10.1.2.3:9000/hook --allow-private --label "on-prem pager"',
    'ocr-ops --json alerts add https://hooks.example.com/igw | jq -r .secret',
  ).action(async (url: string, o: { events: string; label?: string; allowPrivate?: boolean }) => {
    const events = o.events
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    if (events.length === 0) throw new CliError(`Name at least one event: ${EVENTS}`, EXIT.USAGE);
    const r = await client().alerts.add.mutate({
      url,
      events,
      ...(o.allowPrivate ? { allowPrivate: true } : {}),
      ...(o.label ? { label: o.label } : {}),
    });
    // The one time the secret is shown: stdout only, for the receiver's configuration.
    emit(ctx.io, r, () => `${r.secret}\n`);
    if (!ctx.io.json)
      ctx.io.err(
        `Subscribed ${r.info.url} as ${r.info.subscriptionId} to ${r.info.events.join(', ')}. Verify X-IGW-Signature: sha256=HMAC-SHA256(secret, "<X-IGW-Timestamp>.<body>").\n`,
      );
  });
  examples(
    alerts.command('list').description('webhook subscriptions, their events and secret hints'),
    'ocr-ops alerts list',
  ).action(async () => {
    const rows = await client().alerts.list.query({});
    emit(ctx.io, rows, () =>
      table(
        rows.map((r) => ({
          id: r.subscriptionId,
          url: r.url,
          events: r.events.join(','),
          secret: r.secretHint,
          private: r.allowPrivate ? 'allowed' : '',
          label: r.label,
          created: r.createdAt,
        })),
      ),
    );
  });
  examples(
    alerts
      .command('remove <subscriptionId>')
      .description('remove a subscription; alerts it has not received yet are given up'),
    'ocr-ops alerts remove 1',
  ).action(async (id: string) => {
    const r = await client().alerts.remove.mutate({ subscriptionId: subscriptionId(id) });
    emit(ctx.io, r, () => `Removed alert subscription ${r.subscriptionId} (${r.url}).\n`);
  });
  examples(
    alerts
      .command('test <subscriptionId>')
      .description('send a signed test event now and say how the receiver answered (exit 6 when it failed)'),
    'ocr-ops alerts test 1',
  ).action(async (id: string) => {
    const r = await client().alerts.test.mutate({ subscriptionId: subscriptionId(id) });
    const d = r.delivery;
    emit(ctx.io, r, () =>
      d
        ? `Test alert ${r.outboxId}: ${d.outcome}${d.statusCode === null ? '' : ` (HTTP ${d.statusCode})`}${d.error ? `: ${d.error}` : ''} in ${d.durationMs} ms${d.outcome === 'retry' ? '; it will be retried' : ''}.\n`
        : `Test alert ${r.outboxId} is ${r.status}: a dispatcher took it first (see ocr-ops alerts deliveries).\n`,
    );
    if (d && d.outcome !== 'delivered')
      throw new CliError(
        `the receiver did not accept the test alert (${d.error ?? d.outcome})`,
        EXIT.REFUSED,
      );
  });
  examples(
    alerts
      .command('deliveries')
      .description(
        'the delivery log: the latest attempts, with the receiver status and where each alert stands',
      )
      .option('--subscription <id>', 'one subscription')
      .option('--limit <n>', 'how many attempts', '50'),
    'ocr-ops alerts deliveries',
    'ocr-ops alerts deliveries --subscription 1 --limit 10',
  ).action(async (o: { subscription?: string; limit: string }) => {
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new CliError(`--limit must be 1 to 500, not ${o.limit}`, EXIT.USAGE);
    const rows = await client().alerts.deliveries.query({
      limit,
      ...(o.subscription ? { subscriptionId: subscriptionId(o.subscription) } : {}),
    });
    emit(ctx.io, rows, () =>
      table(
        rows.map((r) => ({
          at: r.attemptedAt,
          subscription: r.subscriptionId,
          alert: r.outboxId,
          event: r.eventType,
          attempt: r.attempt,
          status: r.statusCode ?? '',
          ms: r.durationMs,
          error: r.error ?? '',
          now: r.outboxStatus,
        })),
      ),
    );
  });
  return alerts;
}
