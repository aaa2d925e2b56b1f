import type { TokenView } from '@invoicegw/client';
import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { emit, quotaBar, table } from '../output.ts';
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
const isoDate = (text: string) => {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new CliError(`Not a date: ${text}`, EXIT.USAGE);
  return d.toISOString();
};

export function tokenRows(tokens: TokenView[]) {
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
    expires: t.expiresAt ?? '',
  }));
}

function showOne(ctx: CommandContext, token: TokenView, headline?: string) {
  emit(ctx.io, token, () => `${headline ? `${headline}\n` : ''}${table(tokenRows([token]))}`);
}

export function tokensCommand(ctx: CommandContext): Command {
  const tokens = new Command('tokens').description("manage companies' Gemini keys (always shown masked)");
  const client = () => ctx.connection().client;

  tokens
    .command('list')
    .description('list keys with their quota')
    .option('--company <id>', 'one company')
    .option('--status <status>', 'Active, Expired, Exceeded, Disabled or Invalid')
    .option('--removed', 'include removed keys')
    .action(async (o: { company?: string; status?: string; removed?: boolean }) => {
      const list = await client().tokens.list.query({
        ...(o.company ? { companyId: o.company } : {}),
        ...(o.status ? { status: o.status as 'Active' } : {}),
        includeRemoved: Boolean(o.removed),
      });
      emit(ctx.io, list, () => table(tokenRows(list)));
    });

  tokens
    .command('show <tokenId>')
    .description('one key with its quota')
    .action(async (tokenId: string) =>
      showOne(ctx, await client().tokens.get.query({ tokenId: id(tokenId) })),
    );

  tokens
    .command('add')
    .description('register a key; the key is read from stdin or --key-file')
    .requiredOption('--company <id>', 'company id')
    .option('--name <name>', 'company name')
    .option('--limit <tokens>', 'total token limit', int)
    .option('--threshold <tokens>', 'warn below this many tokens left', int)
    .option('--expires <date>', 'expiry (ISO date or date-time)', isoDate)
    .option('--key-file <path>', 'read the key from this file')
    .option('--reason <text>', 'for the audit trail')
    .action(
      async (o: {
        company: string;
        name?: string;
        limit?: number;
        threshold?: number;
        expires?: string;
        keyFile?: string;
        reason?: string;
      }) => {
        const apiKey = await readSecret(o.keyFile);
        const token = await client().tokens.add.mutate({
          companyId: o.company,
          ...(o.name ? { companyName: o.name } : {}),
          apiKey,
          ...(o.limit === undefined ? {} : { totalTokenLimit: o.limit }),
          ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
          ...(o.expires ? { expiresAt: o.expires } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
        });
        showOne(ctx, token, `Added token ${token.tokenId} for ${token.companyId}.`);
      },
    );

  tokens
    .command('rotate <tokenId>')
    .description('replace a key: the new one serves at once, the old one retires after the grace period')
    .option('--grace <seconds>', 'how long the old key keeps requests in flight (default 300)', int)
    .option('--limit <tokens>', "the new key's limit (default: what the old one had left)", int)
    .option('--key-file <path>', 'read the new key from this file (default: stdin)')
    .option('--reason <text>', 'for the audit trail')
    .action(
      async (tokenId: string, o: { grace?: number; limit?: number; keyFile?: string; reason?: string }) => {
        const newApiKey = await readSecret(o.keyFile);
        const result = await client().tokens.rotate.mutate({
          tokenId: id(tokenId),
          newApiKey,
          ...(o.grace === undefined ? {} : { graceSeconds: o.grace }),
          ...(o.limit === undefined ? {} : { totalTokenLimit: o.limit }),
          ...(o.reason ? { reason: o.reason } : {}),
        });
        emit(
          ctx.io,
          result,
          () =>
            `${result.alreadyRotated ? 'Already rotated: nothing changed.' : `Rotated token ${result.previous.tokenId} to ${result.current.tokenId}; the old key retires at ${result.previous.retiresAt ?? 'once'}.`}\n${table(tokenRows([result.previous, result.current]))}`,
        );
      },
    );

  for (const [name, status, what] of [
    ['disable', 'Disabled', 'stop using a key'],
    ['enable', 'Active', 'use a key again (lifts a cooldown or a pending retirement)'],
  ] as const) {
    tokens
      .command(`${name} <tokenId>`)
      .description(what)
      .option('--reason <text>', 'for the audit trail')
      .action(async (tokenId: string, o: { reason?: string }) =>
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

  tokens
    .command('set-limit <tokenId> <limit>')
    .description("change a key's total token limit")
    .option('--threshold <tokens>', 'warning threshold', int)
    .option('--reason <text>', 'for the audit trail')
    .action(async (tokenId: string, limit: string, o: { threshold?: number; reason?: string }) =>
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

  tokens
    .command('set-expiry <tokenId> <date>')
    .description('set an expiry date, or "none" to clear it')
    .option('--reason <text>', 'for the audit trail')
    .action(async (tokenId: string, date: string, o: { reason?: string }) =>
      showOne(
        ctx,
        await client().tokens.setExpiry.mutate({
          tokenId: id(tokenId),
          expiresAt: date === 'none' ? null : isoDate(date),
          ...(o.reason ? { reason: o.reason } : {}),
        }),
      ),
    );

  tokens
    .command('remove <tokenId>')
    .description('remove a key (soft: its history stays)')
    .option('--reason <text>', 'for the audit trail')
    .action(async (tokenId: string, o: { reason?: string }) =>
      showOne(
        ctx,
        await client().tokens.remove.mutate({
          tokenId: id(tokenId),
          ...(o.reason ? { reason: o.reason } : {}),
        }),
        'Removed.',
      ),
    );

  tokens
    .command('encrypt-legacy')
    .description('encrypt every plaintext key inserted by hand in SQL')
    .option('--reason <text>', 'for the audit trail')
    .action(async (o: { reason?: string }) => {
      const result = await client().tokens.encryptLegacyKeys.mutate(o.reason ? { reason: o.reason } : {});
      emit(ctx.io, result, () => `Encrypted ${result.encrypted} legacy key(s).\n`);
    });

  tokens
    .command('audit')
    .description('the audit trail of key changes')
    .option('--token <id>', 'one key', id)
    .option('--company <id>', 'one company')
    .option('--limit <n>', 'rows', int, 50)
    .action(async (o: { token?: number; company?: string; limit: number }) => {
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
            after: r.after,
          })),
        ),
      );
    });

  return tokens;
}
