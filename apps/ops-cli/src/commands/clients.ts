import { Command } from 'commander';
import { emit, table } from '../output.ts';
import type { CommandContext } from './command-context.ts';

export function clientsCommand(ctx: CommandContext): Command {
  const clients = new Command('clients').description(
    'per-company caller keys (for REQUIRE_CLIENT_KEYS=true)',
  );
  const client = () => ctx.connection().client;
  clients
    .command('create')
    .requiredOption('--company <id>', 'company id')
    .option('--label <text>', 'what it is for')
    .action(async (o: { company: string; label?: string }) => {
      const r = await client().clients.create.mutate({
        companyId: o.company,
        ...(o.label ? { label: o.label } : {}),
      });
      // The one time the key is shown: it goes to stdout only, for the caller to store.
      emit(ctx.io, r, () => `${r.key}\n`);
    });
  clients
    .command('list')
    .option('--company <id>', 'one company')
    .action(async (o: { company?: string }) => {
      const rows = await client().clients.list.query(o.company ? { companyId: o.company } : {});
      emit(ctx.io, rows, () =>
        table(
          rows.map((r) => ({
            id: r.clientKeyId,
            company: r.companyId,
            key: r.keyHint,
            label: r.label,
            lastUsed: r.lastUsedAt ?? '',
            revoked: r.revokedAt ?? '',
          })),
        ),
      );
    });
  clients.command('revoke <clientKeyId>').action(async (id: string) => {
    const r = await client().clients.revoke.mutate({ clientKeyId: Number(id) });
    emit(ctx.io, r, () => `Revoked client key ${r.clientKeyId} (${r.keyHint}).\n`);
  });
  return clients;
}
