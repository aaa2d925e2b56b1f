import type { TokenView } from '@invoicegw/client';
import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { examples } from '../help.ts';
import { emit, type Io, quotaBar, table } from '../output.ts';
import { readSecret } from '../read-secret.ts';
import type { CommandContext } from './command-context.ts';

const id = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`Not a token id: ${text}`, EXIT.USAGE);
  return n;
};
const int = (text: string) => {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new CliError(`Not a whole number: ${text}`, EXIT.USAGE);
  return n;
};
const PERIODS = ['none', 'daily', 'weekly', 'monthly'] as const;
type BudgetPeriodName = (typeof PERIODS)[number];
const budgetPeriod = (text: string): BudgetPeriodName => {
  const p = text.trim().toLowerCase();
  if (!(PERIODS as readonly string[]).includes(p))
    throw new CliError(`Not a budget period: ${text} (use none, daily, weekly or monthly)`, EXIT.USAGE);
  return p as BudgetPeriodName;
};
const isoDate = (text: string) => {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new CliError(`Not a date: ${text}`, EXIT.USAGE);
  return d.toISOString();
};

/**
 * Where a key stands in a rotation: the old key "retires <when> → <new id>" (once disabled,
 * "retired <when> → <new id>"; re-enabled, "replaced by <new id>"), the new one "replaces <old id>".
 * `successors` maps an old key to its replacement.
 */
export function rotationOf(t: TokenView, successors: ReadonlyMap<number, number> = new Map()): string {
  const next = successors.get(t.tokenId);
  const parts: string[] = [];
  // Active with a RetiresAt: serving only what is in flight until then; afterwards the sweeper disables it.
  if (t.retiresAt)
    parts.push(`${t.status === 'Active' ? 'retires' : 'retired'} ${t.retiresAt}${next ? ` → ${next}` : ''}`);
  else if (next) parts.push(`replaced by ${next}`);
  if (t.rotatedFromTokenId) parts.push(`replaces ${t.rotatedFromTokenId}`);
  return parts.join(', ');
}

/** `monthly Europe/Berlin, resets 2027-01-01T…` for a key with a budget period; empty without. */
export function budgetOf(t: TokenView): string {
  if (!t.window || t.budgetPeriod === 'none') return '';
  const carried = t.window.carriedTokens > 0 ? `, ${t.window.carriedTokens} carried` : '';
  return `${t.budgetPeriod} ${t.budgetTimeZone}, resets ${t.window.nextResetAt}${carried}`;
}

export function successorsOf(tokens: readonly TokenView[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const t of tokens) if (t.rotatedFromTokenId) map.set(t.rotatedFromTokenId, t.tokenId);
  return map;
}

export function tokenRows(
  tokens: TokenView[],
  successors: ReadonlyMap<number, number> = successorsOf(tokens),
) {
  return tokens.map((t) => ({
    id: t.tokenId,
    company: t.companyId,
    key: t.keyHint,
    status: t.status,
    health: t.health,
    limit: t.totalTokenLimit,
    used: t.usage?.used ?? 0,
    held: t.usage?.reserved ?? 0,
    remaining: t.usage?.remaining ?? t.totalTokenLimit,
    quota: quotaBar(t.usage?.used ?? 0, t.totalTokenLimit),
    // With a period, used/remaining are the current window's, until its reset.
    budget: budgetOf(t),
    expires: t.expiresAt ?? '',
    rotation: rotationOf(t, successors),
  }));
}

/** The token table, its status and health words coloured. */
export function tokenTable(io: Io, tokens: TokenView[], successors?: ReadonlyMap<number, number>): string {
  return table(tokenRows(tokens, successors), { paint: io.paint, wordColumns: ['status', 'health'] });
}

function showOne(ctx: CommandContext, token: TokenView, headline?: string, successors?: Map<number, number>) {
  // What the operator must know about the change just made (a limit too small for one request).
  const warnings = (token.warnings ?? []).map((w) => `${ctx.io.paint('yellow', 'Warning:')} ${w}\n`).join('');
  emit(
    ctx.io,
    token,
    () => `${headline ? `${headline}\n` : ''}${warnings}${tokenTable(ctx.io, [token], successors)}`,
  );
}

const show = (value: unknown): string =>
  value === null || value === undefined
    ? 'none'
    : typeof value === 'object' && !Array.isArray(value)
      ? // A nested record (the check a key passed: verification) reads as `(state ok, code OK)`.
        `(${Object.entries(value)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => `${k} ${show(v)}`)
          .join(', ')})`
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);

/**
 * An audit row's change, readable: `field: old → new` for each field that changed; for a row
 * without a "before" (a key added), the fields it was created with.
 */
export function auditChange(before: unknown, after: unknown): string {
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isRecord(after) && !isRecord(before))
    return Object.entries(after)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ');
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const changed = keys
      .filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))
      .map((k) => `${k}: ${show(before[k])} → ${show(after[k])}`);
    return changed.join(', ') || '(no change)';
  }
  if (before === null || before === undefined)
    return after === null || after === undefined ? '' : show(after);
  return `${show(before)} → ${show(after)}`;
}

const STATE_COLOUR = { ok: 'green', quota: 'yellow', rejected: 'red', unreachable: 'yellow' } as const;

/** `2026-12-01T… rejected API_KEY_INVALID: API key not valid…`, the state coloured; `never`. */
export function verificationLine(io: Io, t: Pick<TokenView, 'lastVerifiedAt' | 'lastVerifyResult'>): string {
  if (!t.lastVerifiedAt || !t.lastVerifyResult) return 'never';
  const [state = '', ...rest] = t.lastVerifyResult.split(' ');
  const colour = STATE_COLOUR[state as keyof typeof STATE_COLOUR] ?? 'yellow';
  return `${t.lastVerifiedAt} ${io.paint(colour, state)} ${rest.join(' ')}`.trimEnd();
}

export function tokensCommand(ctx: CommandContext): Command {
  const tokens = examples(
    new Command('tokens').description("manage companies' Gemini keys (always shown masked)"),
    'ocr-ops tokens list --company NT047',
    'ocr-ops tokens add --company NT047 --name "RUBI TRADERS" --limit 1000000   # asks for the key, hidden',
    'printf %s "$NEW_KEY" | ocr-ops tokens rotate 12 --grace 600 --reason "weekly rotation"',
    'ocr-ops tokens audit --company NT047',
  );
  const client = () => ctx.connection().client;

  examples(
    tokens
      .command('list')
      .description('list keys with their quota and rotation state')
      .option('--company <id>', 'one company')
      .option('--status <status>', 'Active, Expired, Exceeded, Disabled or Invalid')
      .option('--removed', 'include removed keys'),
    'ocr-ops tokens list',
    'ocr-ops tokens list --company NT047 --status Active',
    "ocr-ops --json tokens list --removed | jq '.[] | {tokenId, keyHint, status}'",
  ).action(async (o: { company?: string; status?: string; removed?: boolean }) => {
    const list = await client().tokens.list.query({
      ...(o.company ? { companyId: o.company } : {}),
      ...(o.status ? { status: o.status as 'Active' } : {}),
      includeRemoved: Boolean(o.removed),
    });
    emit(ctx.io, list, () => tokenTable(ctx.io, list));
  });

  examples(
    tokens.command('show <tokenId>').description('one key with its quota and rotation state'),
    'ocr-ops tokens show 12',
    'ocr-ops --json tokens show 12',
  ).action(async (tokenId: string) => {
    const token = await client().tokens.get.query({ tokenId: id(tokenId) });
    // Which key replaced this one, if any: the rotation state the key itself does not name.
    const company = ctx.io.json
      ? []
      : await client().tokens.list.query({ companyId: token.companyId, includeRemoved: true });
    showOne(ctx, token, undefined, successorsOf(company));
    if (ctx.io.json) return;
    // The last word from the provider: a `tokens verify`, or the check the key passed when added.
    ctx.io.out(`Last verified: ${verificationLine(ctx.io, token)}\n`);
    if (token.window) {
      ctx.io.out(
        `Budget: ${token.budgetPeriod} in ${token.budgetTimeZone}; this window ${token.window.startedAt} to ${token.window.nextResetAt}, ${token.usage?.used ?? 0} of ${token.totalTokenLimit} used\n`,
      );
      const closed = await client().tokens.budgetWindows.query({ tokenId: token.tokenId, limit: 12 });
      if (closed.length)
        ctx.io.out(
          `Closed windows:\n${table(
            closed.map((w) => ({
              from: w.windowStart,
              to: w.windowEnd,
              used: w.tokensUsed,
              limit: w.tokenLimit,
              requests: w.requestCount,
            })),
          )}`,
        );
    }
  });

  examples(
    tokens
      .command('add')
      .description(
        'register a key; it is read from --key-file, from stdin when piped, or from a hidden prompt on a terminal',
      )
      .requiredOption('--company <id>', 'company id')
      .option('--name <name>', 'company name')
      .option('--limit <tokens>', 'total token limit', int)
      .option('--threshold <tokens>', 'warn below this many tokens left', int)
      .option('--expires <date>', 'expiry (ISO date or date-time)', isoDate)
      .option('--key-file <path>', 'read the key from this file')
      .option('--force', 'register it even if Gemini rejects the key or cannot be asked (audited)')
      .option(
        '--period <period>',
        'budget period: the limit starts over daily, weekly or monthly',
        budgetPeriod,
      )
      .option('--tz <zone>', 'time zone of the budget period (IANA, default UTC)')
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens add --company NT047 --name "RUBI TRADERS" --limit 1000000   # prompts for the key',
    'ocr-ops tokens add --company NT047 --limit 5_000_000 --period monthly --tz Europe/Berlin',
    'ocr-ops tokens add --company NT047 --key-file ./gemini.key --expires 2027-01-01',
    'printf %s "$KEY" | ocr-ops tokens add --company NT047 --reason onboarding',
  ).action(
    async (o: {
      company: string;
      name?: string;
      limit?: number;
      threshold?: number;
      expires?: string;
      keyFile?: string;
      force?: boolean;
      period?: BudgetPeriodName;
      tz?: string;
      reason?: string;
    }) => {
      const apiKey = await readSecret(o.keyFile, { label: `Gemini API key for ${o.company}` });
      const added = await client().tokens.add.mutate({
        companyId: o.company,
        ...(o.name ? { companyName: o.name } : {}),
        apiKey,
        ...(o.limit === undefined ? {} : { totalTokenLimit: o.limit }),
        ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
        ...(o.expires ? { expiresAt: o.expires } : {}),
        ...(o.force ? { force: true } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      });
      const token =
        o.period || o.tz
          ? {
              ...(await client().tokens.setBudget.mutate({
                tokenId: added.tokenId,
                period: o.period ?? 'none',
                ...(o.tz ? { timeZone: o.tz } : {}),
                ...(o.reason ? { reason: o.reason } : {}),
              })),
              ...(added.warnings ? { warnings: added.warnings } : {}),
            }
          : added;
      showOne(ctx, token, `Added token ${token.tokenId} for ${token.companyId}.`);
    },
  );

  examples(
    tokens
      .command('rotate <tokenId>')
      .description(
        'replace a key: the new one serves at once, the old one retires after the grace period (new key: --key-file, piped stdin or a hidden prompt)',
      )
      .option('--grace <seconds>', 'how long the old key keeps requests in flight (default 300)', int)
      .option('--limit <tokens>', "the new key's limit (default: what the old one had left)", int)
      .option('--key-file <path>', 'read the new key from this file')
      .option('--force', 'rotate it in even if Gemini rejects the key or cannot be asked (audited)')
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens rotate 12 --grace 600 --reason "weekly rotation"   # prompts for the new key',
    'printf %s "$NEW_KEY" | ocr-ops tokens rotate 12 --grace 600',
    'ocr-ops tokens rotate 12 --key-file ./new.key --limit 500000',
  ).action(
    async (
      tokenId: string,
      o: { grace?: number; limit?: number; keyFile?: string; force?: boolean; reason?: string },
    ) => {
      const oldId = id(tokenId);
      const newApiKey = await readSecret(o.keyFile, { label: `New Gemini API key for token ${oldId}` });
      const result = await client().tokens.rotate.mutate({
        tokenId: oldId,
        newApiKey,
        ...(o.grace === undefined ? {} : { graceSeconds: o.grace }),
        ...(o.limit === undefined ? {} : { totalTokenLimit: o.limit }),
        ...(o.force ? { force: true } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      });
      const warnings = (result.current.warnings ?? [])
        .map((w) => `${ctx.io.paint('yellow', 'Warning:')} ${w}\n`)
        .join('');
      emit(
        ctx.io,
        result,
        () =>
          `${result.alreadyRotated ? 'Already rotated: nothing changed.' : `Rotated token ${result.previous.tokenId} to ${result.current.tokenId}; the old key retires at ${result.previous.retiresAt ?? 'once'}.`}\n${warnings}${tokenTable(ctx.io, [result.previous, result.current])}`,
      );
    },
  );

  for (const [name, status, what] of [
    ['disable', 'Disabled', 'stop using a key'],
    ['enable', 'Active', 'use a key again (lifts a cooldown or a pending retirement)'],
  ] as const) {
    examples(
      tokens.command(`${name} <tokenId>`).description(what).option('--reason <text>', 'for the audit trail'),
      `ocr-ops tokens ${name} 12 --reason "${name === 'disable' ? 'leaked in a ticket' : 'quota topped up at Google'}"`,
    ).action(async (tokenId: string, o: { reason?: string }) =>
      showOne(
        ctx,
        await client().tokens.setStatus.mutate({
          tokenId: id(tokenId),
          status,
          ...(o.reason ? { reason: o.reason } : {}),
        }),
      ),
    );
  }

  examples(
    tokens
      .command('set-limit <tokenId> <limit>')
      .description("change a key's total token limit")
      .option('--threshold <tokens>', 'warning threshold', int)
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens set-limit 12 2_000_000 --threshold 50_000 --reason "new contract"',
  ).action(async (tokenId: string, limit: string, o: { threshold?: number; reason?: string }) =>
    showOne(
      ctx,
      await client().tokens.setLimit.mutate({
        tokenId: id(tokenId),
        totalTokenLimit: int(limit),
        ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
        ...(o.reason ? { reason: o.reason } : {}),
      }),
    ),
  );

  examples(
    tokens
      .command('budget <tokenId>')
      .description(
        "set when a key's limit starts over: daily, weekly (Monday) or monthly (the 1st), at midnight in --tz; none stops it",
      )
      .requiredOption('--period <period>', 'none, daily, weekly or monthly', budgetPeriod)
      .option('--tz <zone>', "IANA time zone (default: the key's current one, UTC at first)")
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens budget 12 --period monthly --tz Europe/Berlin',
    'ocr-ops tokens budget 12 --period none   # the limit never starts over again',
  ).action(async (tokenId: string, o: { period: BudgetPeriodName; tz?: string; reason?: string }) =>
    showOne(
      ctx,
      await client().tokens.setBudget.mutate({
        tokenId: id(tokenId),
        period: o.period,
        ...(o.tz ? { timeZone: o.tz } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      }),
    ),
  );

  examples(
    tokens
      .command('set-expiry <tokenId> <date>')
      .description('set an expiry date, or "none" to clear it')
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens set-expiry 12 2027-01-01',
    'ocr-ops tokens set-expiry 12 none',
  ).action(async (tokenId: string, date: string, o: { reason?: string }) =>
    showOne(
      ctx,
      await client().tokens.setExpiry.mutate({
        tokenId: id(tokenId),
        expiresAt: date === 'none' ? null : isoDate(date),
        ...(o.reason ? { reason: o.reason } : {}),
      }),
    ),
  );

  examples(
    tokens
      .command('remove <tokenId>')
      .description('remove a key (soft: its history stays)')
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens remove 12 --reason "revoked at Google"',
  ).action(async (tokenId: string, o: { reason?: string }) =>
    showOne(
      ctx,
      await client().tokens.remove.mutate({
        tokenId: id(tokenId),
        ...(o.reason ? { reason: o.reason } : {}),
      }),
      'Removed.',
    ),
  );

  examples(
    tokens
      .command('encrypt-legacy')
      .description('encrypt every plaintext key inserted by hand in SQL')
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens encrypt-legacy --reason "keys inserted by the old service"',
  ).action(async (o: { reason?: string }) => {
    const result = await client().tokens.encryptLegacyKeys.mutate(o.reason ? { reason: o.reason } : {});
    emit(ctx.io, result, () => `Encrypted ${result.encrypted} legacy key(s).\n`);
  });

  examples(
    tokens
      .command('verify [tokenId]')
      .description(
        'ask Gemini about one key or every Active key (a free countTokens call each); exit 8 if any is rejected or cannot be checked',
      )
      .option('--company <id>', "one company's Active keys")
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops tokens verify',
    'ocr-ops tokens verify 12',
    'ocr-ops --json tokens verify --company NT047 | jq \'.[] | select(.check.state != "ok")\'',
  ).action(async (tokenId: string | undefined, o: { company?: string; reason?: string }) => {
    const results = await client().tokens.verify.mutate({
      ...(tokenId === undefined ? {} : { tokenId: id(tokenId) }),
      ...(o.company ? { companyId: o.company } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    });
    emit(ctx.io, results, () =>
      results.length === 0
        ? 'No Active keys to verify.\n'
        : table(
            results.map((r) => ({
              id: r.tokenId,
              company: r.companyId,
              key: r.keyHint,
              status: r.status,
              result: r.check.state,
              code: r.check.code,
              reason: r.check.reason ?? '',
            })),
            { paint: ctx.io.paint, wordColumns: ['status'] },
          ),
    );
    const failed = results.filter((r) => r.check.state === 'rejected' || r.check.state === 'unreachable');
    if (failed.length > 0)
      throw new CliError(
        `${failed.length} of ${results.length} key(s) did not pass: ${failed.map((r) => `${r.tokenId} ${r.check.state} (${r.check.code})`).join(', ')}`,
        EXIT.KEY_CHECK_FAILED,
      );
  });

  examples(
    tokens
      .command('audit')
      .description('the audit trail of key changes, each as field: before → after')
      .option('--token <id>', 'one key', id)
      .option('--company <id>', 'one company')
      .option('--limit <n>', 'rows', int, 50),
    'ocr-ops tokens audit --company NT047',
    'ocr-ops tokens audit --token 12 --limit 10',
    "ocr-ops --json tokens audit --token 12 | jq '.[0].after'",
  ).action(async (o: { token?: number; company?: string; limit: number }) => {
    const rows = await client().tokens.audit.query({
      ...(o.token ? { tokenId: o.token } : {}),
      ...(o.company ? { companyId: o.company } : {}),
      limit: o.limit,
    });
    emit(ctx.io, rows, () =>
      table(
        rows.map((r) => ({
          at: r.createdAt,
          token: r.tokenId,
          company: r.companyId,
          action: r.action,
          actor: r.actor,
          reason: r.reason,
          change: auditChange(r.before, r.after),
        })),
      ),
    );
  });

  return tokens;
}
