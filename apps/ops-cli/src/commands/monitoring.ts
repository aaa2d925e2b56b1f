import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { emit, quotaBar, table } from '../output.ts';
import type { CommandContext } from './command-context.ts';

const GROUPS = {
  company: 'company',
  key: 'token',
  token: 'token',
  branch: 'branch',
  user: 'user',
  day: 'day',
} as const;
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

export function monitoringCommands(ctx: CommandContext): Command[] {
  const client = () => ctx.connection().client;

  const health = new Command('health')
    .description('is the gateway up, and does its database answer')
    .action(async () => {
      const h = await client().monitoring.health.query();
      emit(
        ctx.io,
        h,
        () =>
          `${h.status} (version ${h.version}, database ${h.database.kind} ${h.database.reachable ? 'reachable' : 'UNREACHABLE'}) at ${h.timestamp}\n`,
      );
      if (h.status !== 'active') throw new CliError('The gateway is degraded', EXIT.UNREACHABLE);
    });

  const status = new Command('status')
    .description('every key with its quota bar (vw_TokenStatus)')
    .option('--company <id>', 'one company')
    .action(async (o: { company?: string }) => {
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
        ),
      );
    });

  const usage = new Command('usage')
    .description('tokens and requests per company, key, branch, user or day')
    .option('--by <group>', 'company, key, branch, user or day', 'company')
    .option('--company <id>', 'one company')
    .option('--from <date>', 'from (inclusive)')
    .option('--to <date>', 'to (exclusive)')
    .action(async (o: { by: string; company?: string; from?: string; to?: string }) => {
      const groupBy = GROUPS[o.by as keyof typeof GROUPS];
      if (!groupBy) throw new CliError(`--by must be one of ${Object.keys(GROUPS).join(', ')}`, EXIT.USAGE);
      const iso = (d: string | undefined) => (d ? new Date(d).toISOString() : undefined);
      const rows = await client().monitoring.usage.query({
        groupBy,
        ...(o.company ? { companyId: o.company } : {}),
        ...(o.from ? { from: iso(o.from)! } : {}),
        ...(o.to ? { to: iso(o.to)! } : {}),
      });
      emit(ctx.io, rows, () =>
        table(
          rows.map((r) => ({
            [o.by]: r.key,
            requests: r.requests,
            input: r.inputTokens,
            output: r.outputTokens,
            thoughts: r.thoughtsTokens,
            total: r.totalTokens,
            last: r.lastAt ?? '',
          })),
        ),
      );
    });

  const errors = new Command('errors')
    .description('the latest ERROR/CRITICAL logs (vw_RecentErrors)')
    .action(async () => {
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
        ),
      );
    });

  const retries = new Command('retries')
    .description('failed provider attempts by error, and requests that gave up')
    .option('--company <id>', 'one company')
    .action(async (o: { company?: string }) => {
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

  const logs = new Command('logs')
    .description('ApplicationLogs, newest first; --follow prints new ones as they come')
    .option('--level <levels>', 'comma-separated: DEBUG,INFO,WARNING,ERROR,CRITICAL')
    .option('--company <id>', 'one company')
    .option('--request <id>', 'one request')
    .option('--search <text>', 'message contains')
    .option('--limit <n>', 'rows', (v) => Number(v), 50)
    .option('--follow', 'keep printing new rows')
    .option('--interval <seconds>', 'poll interval with --follow', (v) => Number(v), 2)
    .action(
      async (o: {
        level?: string;
        company?: string;
        request?: string;
        search?: string;
        limit: number;
        follow?: boolean;
        interval: number;
      }) => {
        const levels = o.level?.split(',').map((l) => l.trim().toUpperCase());
        if (levels?.some((l) => !(LEVELS as readonly string[]).includes(l)))
          throw new CliError(`--level takes ${LEVELS.join(', ')}`, EXIT.USAGE);
        const filter = {
          ...(levels ? { levels: levels as Array<(typeof LEVELS)[number]> } : {}),
          ...(o.company ? { companyId: o.company } : {}),
          ...(o.request ? { requestId: o.request } : {}),
          ...(o.search ? { search: o.search } : {}),
        };
        const line = (r: {
          timestamp: string;
          level: string | null;
          logger: string | null;
          requestId: string | null;
          message: string | null;
        }) =>
          `${r.timestamp} ${(r.level ?? '').padEnd(8)} ${r.logger ?? ''}${r.requestId ? ` [${r.requestId}]` : ''}: ${r.message ?? ''}\n`;
        const rows = await client().monitoring.logs.query({ ...filter, limit: o.limit });
        if (!o.follow) return emit(ctx.io, rows, () => rows.map(line).join('') || '(none)\n');
        const print = (r: (typeof rows)[number]) =>
          ctx.io.out(ctx.io.json ? `${JSON.stringify(r)}\n` : line(r));
        for (const r of [...rows].reverse()) print(r);
        let last = rows.reduce((m, r) => Math.max(m, r.logId), 0);
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, o.interval * 1000));
          const fresh = await client().monitoring.logs.query({ ...filter, afterId: last, limit: 500 });
          for (const r of fresh) print(r);
          last = fresh.reduce((m, r) => Math.max(m, r.logId), last);
        }
      },
    );

  const cache = new Command('cache').description('the result cache');
  cache.command('status').action(async () => {
    const c = await client().monitoring.cacheStatus.query();
    emit(
      ctx.io,
      c,
      () =>
        `${c.message}\n${table([{ entries: c.stats.entries, max: c.stats.maxEntries, hits: c.stats.hits, misses: c.stats.misses, evictions: c.stats.evictions, ttlSeconds: c.stats.ttlMs / 1000 }])}`,
    );
  });
  cache
    .command('invalidate')
    .option('--company <id>', "only this company's entries")
    .action(async (o: { company?: string }) => {
      const r = await client().monitoring.invalidateCache.mutate(o.company ? { companyId: o.company } : {});
      emit(ctx.io, r, () => `${r.message} (${r.removed} entr${r.removed === 1 ? 'y' : 'ies'} removed)\n`);
    });

  return [health, status, usage, errors, retries, logs, cache];
}
