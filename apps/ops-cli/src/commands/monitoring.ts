import { Command } from 'commander';
import { parseWhen, WHEN_FORMS } from '../dates.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { examples } from '../help.ts';
import { emit, quotaBar, table, warn } from '../output.ts';
import type { CommandContext } from './command-context.ts';
import { USAGE_EXPORT_EXAMPLES, type UsageExportOptions, usageExport } from './usage.ts';

const GROUPS = {
  company: 'company',
  key: 'token',
  token: 'token',
  branch: 'branch',
  user: 'user',
  day: 'day',
} as const;
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

/** The X-Request-Id prefix of `logs --follow` polls: their own request lines are not shown. */
export const FOLLOW_TAG = 'ocr-ops-follow';
const MAX_BACKOFF_MS = 30_000;

interface LogRow {
  logId: number;
  timestamp: string;
  level: string | null;
  logger: string | null;
  requestId: string | null;
  message: string | null;
  context?: unknown;
}

/** A log row written about a `logs --follow` poll (by this process or another follower). */
export function isFollowPoll(row: { context?: unknown }): boolean {
  const id = (row.context as { clientRequestId?: unknown } | null)?.clientRequestId;
  return typeof id === 'string' && id.startsWith(`${FOLLOW_TAG}-`);
}

export function monitoringCommands(ctx: CommandContext): Command[] {
  const client = () => ctx.connection().client;
  const paint = () => ctx.io.paint;

  const health = examples(
    new Command('health').description('is the gateway up, and does its database answer (exit 3 if not)'),
    'ocr-ops health',
    'ocr-ops health || echo "gateway down or degraded"',
  ).action(async () => {
    const h = await client().monitoring.health.query();
    emit(
      ctx.io,
      h,
      () =>
        `${h.status === 'active' ? paint()('green', h.status) : paint()('red', h.status)} (version ${h.version}, database ${h.database.kind} ${h.database.reachable ? 'reachable' : paint()('red', 'UNREACHABLE')}) at ${h.timestamp}\n`,
    );
    if (h.status !== 'active') throw new CliError('The gateway is degraded', EXIT.UNREACHABLE);
  });

  const status = examples(
    new Command('status')
      .description('every key with its quota bar (vw_TokenStatus)')
      .option('--company <id>', 'one company'),
    'ocr-ops status',
    'ocr-ops status --company NT047',
  ).action(async (o: { company?: string }) => {
    const rows = await client().monitoring.tokenStatus.query(o.company ? { companyId: o.company } : {});
    emit(ctx.io, rows, () =>
      table(
        rows.map((r) => ({
          id: r.tokenId,
          company: r.companyId,
          key: r.keyHint,
          health: r.health,
          quota: quotaBar(r.totalUsedTokens, r.totalTokenLimit),
          used: r.totalUsedTokens,
          held: r.reservedTokens,
          remaining: r.totalRemainingTokens,
          limit: r.totalTokenLimit,
          requests: r.requestCount,
          lastUsed: r.lastUsedAt ?? '',
        })),
        { paint: paint(), wordColumns: ['health'] },
      ),
    );
  });

  const usage = examples(
    new Command('usage')
      .description(`tokens and requests per company, key, branch, user or day (times: ${WHEN_FORMS})`)
      .option('--by <group>', 'company, key, branch, user or day', 'company')
      .option('--company <id>', 'one company')
      .option('--from <when>', 'from (inclusive), e.g. 7d, yesterday, 2026-03-01')
      .option('--to <when>', 'to (exclusive), e.g. today, 2026-04-01')
      // `usage export` is an argument, not a subcommand: a subcommand could not have --from too.
      .argument('[export]', 'export: stream usage per day, company, key, branch and user (CSV or JSON)')
      .option('--format <format>', 'with export: csv or json', 'csv')
      .option('--out <file>', 'with export: write this file instead of stdout (refused if it exists)')
      .option('--overwrite', 'with export --out: replace the file'),
    'ocr-ops usage --by key --company NT047 --from 7d',
    'ocr-ops usage --by day --from 2026-03-01 --to 2026-04-01',
    'ocr-ops usage --by user --from yesterday --to today',
    ...USAGE_EXPORT_EXAMPLES,
  ).action(
    async (
      what: string | undefined,
      o: { by: string; company?: string; from?: string; to?: string } & UsageExportOptions,
    ) => {
      if (what !== undefined) return usageExport(ctx, what, o);
      const groupBy = GROUPS[o.by as keyof typeof GROUPS];
      if (!groupBy) throw new CliError(`--by must be one of ${Object.keys(GROUPS).join(', ')}`, EXIT.USAGE);
      // Read both times before asking anything: a typo is a usage error, not a half-run command.
      const from = o.from === undefined ? undefined : parseWhen(o.from, '--from');
      const to = o.to === undefined ? undefined : parseWhen(o.to, '--to');
      const rows = await client().monitoring.usage.query({
        groupBy,
        ...(o.company ? { companyId: o.company } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      });
      if (groupBy !== 'token')
        return emit(ctx.io, rows, () =>
          table(
            rows.map((r) => ({
              [o.by]: r.key,
              requests: r.requests,
              input: r.inputTokens,
              output: r.outputTokens,
              thoughts: r.thoughtsTokens,
              total: r.totalTokens,
              presumed: r.presumedTokens,
              last: r.lastAt ?? '',
            })),
          ),
        );
      // The report is grouped by token id; the key (masked) and company come from the key list.
      const keys = new Map(
        (await client().tokens.list.query({ includeRemoved: true })).map((t) => [String(t.tokenId), t]),
      );
      const byKey = rows.map((r) => ({
        ...r,
        tokenId: Number(r.key),
        keyHint: keys.get(r.key)?.keyHint ?? null,
        companyId: keys.get(r.key)?.companyId ?? null,
      }));
      emit(ctx.io, byKey, () =>
        table(
          byKey.map((r) => ({
            token: r.tokenId,
            company: r.companyId ?? '',
            key: r.keyHint ?? '',
            requests: r.requests,
            input: r.inputTokens,
            output: r.outputTokens,
            thoughts: r.thoughtsTokens,
            total: r.totalTokens,
            presumed: r.presumedTokens,
            last: r.lastAt ?? '',
          })),
        ),
      );
    },
  );

  const errors = examples(
    new Command('errors').description('the latest ERROR/CRITICAL logs (vw_RecentErrors)'),
    'ocr-ops errors',
    'ocr-ops --json errors | jq \'.[] | select(.companyId == "NT047")\'',
  ).action(async () => {
    const rows = await client().monitoring.recentErrors.query();
    emit(ctx.io, rows, () =>
      table(
        rows.map((r) => ({
          at: r.timestamp,
          minutesAgo: r.minutesAgo,
          level: r.level,
          company: r.companyId,
          request: r.requestId,
          message: r.message,
        })),
        { paint: paint(), wordColumns: ['level'] },
      ),
    );
  });

  const retries = examples(
    new Command('retries')
      .description('failed provider attempts by error, and requests that gave up')
      .option('--company <id>', 'one company'),
    'ocr-ops retries',
    'ocr-ops retries --company NT047',
  ).action(async (o: { company?: string }) => {
    const r = await client().monitoring.retryStats.query(o.company ? { companyId: o.company } : {});
    emit(
      ctx.io,
      r,
      () =>
        `${table(r.byError.map((e) => ({ error: e.errorCode, http: e.httpStatus, attempts: e.attempts, retried: e.retryable, final: e.final })))}\nRequests that gave up:\n${table(
          r.failedRequests.map((f) => ({
            request: f.requestId,
            company: f.companyId,
            attempts: f.attempts,
            keys: f.keysTried,
            lastError: f.lastErrorCode,
            at: f.lastAttemptAt,
          })),
        )}`,
    );
  });

  const logs = examples(
    new Command('logs')
      .description(
        'ApplicationLogs, newest first; --follow prints new ones as they come (Ctrl-C to stop), riding out a gateway restart',
      )
      .option('--level <levels>', 'comma-separated: DEBUG,INFO,WARNING,ERROR,CRITICAL')
      .option('--company <id>', 'one company')
      .option('--request <id>', 'one request')
      .option('--search <text>', 'message contains')
      .option('--since <when>', `only rows from then on (${WHEN_FORMS})`)
      .option('--limit <n>', 'rows', (v) => Number(v), 50)
      .option('--follow', 'keep printing new rows')
      .option('--interval <seconds>', 'poll interval with --follow', (v) => Number(v), 2),
    'ocr-ops logs --level WARNING,ERROR --since 1h',
    'ocr-ops logs --request 6d4e771b-2bc9-4fa1-bba6-6ae227cfd68a',
    'ocr-ops logs --follow --company NT047',
    'ocr-ops --json logs --limit 200 | jq -r .message | head',
  ).action(
    async (o: {
      level?: string;
      company?: string;
      request?: string;
      search?: string;
      since?: string;
      limit: number;
      follow?: boolean;
      interval: number;
    }) => {
      const levels = o.level?.split(',').map((l) => l.trim().toUpperCase());
      if (levels?.some((l) => !(LEVELS as readonly string[]).includes(l)))
        throw new CliError(`--level takes ${LEVELS.join(', ')}`, EXIT.USAGE);
      if (!(o.interval > 0)) throw new CliError('--interval must be a number of seconds above 0', EXIT.USAGE);
      const since = o.since === undefined ? undefined : parseWhen(o.since, '--since');
      const filter = {
        ...(levels ? { levels: levels as Array<(typeof LEVELS)[number]> } : {}),
        ...(o.company ? { companyId: o.company } : {}),
        ...(o.request ? { requestId: o.request } : {}),
        ...(o.search ? { search: o.search } : {}),
        ...(since ? { since } : {}),
      };
      const line = (r: LogRow) =>
        `${r.timestamp} ${paintLevel((r.level ?? '').padEnd(8))} ${r.logger ?? ''}${r.requestId ? ` [${r.requestId}]` : ''}: ${r.message ?? ''}\n`;
      const paintLevel = (padded: string) => {
        const style = LEVEL_STYLE[padded.trim()];
        return style ? paint()(style, padded) : padded;
      };
      if (!o.follow) {
        const rows = await client().monitoring.logs.query({ ...filter, limit: o.limit });
        return emit(ctx.io, rows, () => rows.map(line).join('') || '(none)\n');
      }
      // Loaded here, not at startup: the client would slow every other command's start.
      const { describeFailure } = await import('../errors.ts');
      // Every poll is tagged, so the request lines the polls themselves cause are left out.
      const connection = ctx.connection();
      const polls = connection.taggedClient(`${FOLLOW_TAG}-${process.pid}`);
      const print = (r: LogRow) => {
        if (isFollowPoll(r)) return;
        ctx.io.out(ctx.io.json ? `${JSON.stringify(r)}\n` : line(r));
      };
      const rows = await polls.monitoring.logs.query({ ...filter, limit: o.limit });
      for (const r of [...rows].reverse()) print(r);
      let last = rows.reduce((m, r) => Math.max(m, r.logId), 0);
      const interval = o.interval * 1000;
      let wait = interval;
      let failing = false;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        try {
          const fresh = await polls.monitoring.logs.query({ ...filter, afterId: last, limit: 500 });
          if (failing) ctx.io.err(`ocr-ops: following again (${connection.url})\n`);
          failing = false;
          wait = interval;
          for (const r of fresh) print(r);
          last = fresh.reduce((m, r) => Math.max(m, r.logId), last);
        } catch (error) {
          const failure = describeFailure(error, connection);
          // A refused key or a bad filter will not mend itself; an outage or a restart will.
          if (failure.exitCode === EXIT.AUTH || failure.status === 400) throw error;
          wait = failing ? Math.min(MAX_BACKOFF_MS, wait * 2) : interval;
          failing = true;
          warn(ctx.io, `poll failed (${failure.message}); retrying in ${Math.round(wait / 100) / 10}s`);
        }
      }
    },
  );

  const cache = examples(
    new Command('cache').description('the result cache: identical uploads answered at no token cost'),
    'ocr-ops cache status',
    'ocr-ops cache invalidate --company NT047',
  );
  examples(
    cache.command('status').description('entries, hits, misses and the time they live'),
    'ocr-ops cache status',
    'ocr-ops --json cache status',
  ).action(async () => {
    const c = await client().monitoring.cacheStatus.query();
    emit(
      ctx.io,
      c,
      () =>
        `${c.message}\n${table([{ entries: c.stats.entries, max: c.stats.maxEntries, hits: c.stats.hits, misses: c.stats.misses, evictions: c.stats.evictions, ttlSeconds: c.stats.ttlMs / 1000 }])}`,
    );
  });
  examples(
    cache
      .command('invalidate')
      .description('drop cached results, so the next identical upload is extracted (and charged) again')
      .option('--company <id>', "only this company's entries"),
    'ocr-ops cache invalidate',
    'ocr-ops cache invalidate --company NT047',
  ).action(async (o: { company?: string }) => {
    const r = await client().monitoring.invalidateCache.mutate(o.company ? { companyId: o.company } : {});
    emit(ctx.io, r, () => `${r.message} (${r.removed} entr${r.removed === 1 ? 'y' : 'ies'} removed)\n`);
  });

  return [health, status, usage, errors, retries, logs, cache];
}

const LEVEL_STYLE: Record<string, 'dim' | 'yellow' | 'red'> = {
  DEBUG: 'dim',
  WARNING: 'yellow',
  ERROR: 'red',
  CRITICAL: 'red',
};
