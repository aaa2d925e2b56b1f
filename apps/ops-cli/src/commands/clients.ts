import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { examples } from '../help.ts';
import { emit, table } from '../output.ts';
import type { CommandContext } from './command-context.ts';

export function clientsCommand(ctx: CommandContext): Command {
  const clients = examples(
    new Command('clients').description(
      "per-company caller keys: what a company's software sends to extract when REQUIRE_CLIENT_KEYS=true",
    ),
    'ocr-ops clients create --company NT047 --label "ERP connector" > nt047.client-key',
    'ocr-ops clients list --company NT047',
    'ocr-ops clients revoke 3',
  );
  const client = () => ctx.connection().client;
  examples(
    clients
      .command('create')
      .description('issue a client key for a company; it is printed once, on stdout, and never again')
      .requiredOption('--company <id>', 'company id')
      .option('--label <text>', 'what it is for'),
    'ocr-ops clients create --company NT047 --label "ERP connector" > nt047.client-key',
    'ocr-ops --json clients create --company NT047 | jq -r .key',
  ).action(async (o: { company: string; label?: string }) => {
    const r = await client().clients.create.mutate({
      companyId: o.company,
      ...(o.label ? { label: o.label } : {}),
    });
    // The one time the key is shown: it goes to stdout only, for the caller to store.
    emit(ctx.io, r, () => `${r.key}\n`);
  });
  examples(
    clients
      .command('list')
      .description('client keys (masked) with their label, last use and revocation')
      .option('--company <id>', 'one company'),
    'ocr-ops clients list',
    'ocr-ops clients list --company NT047',
  ).action(async (o: { company?: string }) => {
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
  examples(
    clients
      .command('revoke <clientKeyId>')
      .description('revoke a client key at once: requests presenting it are refused from now on'),
    'ocr-ops clients revoke 3',
  ).action(async (id: string) => {
    const clientKeyId = Number(id);
    if (!Number.isInteger(clientKeyId) || clientKeyId < 1)
      throw new CliError(`Not a client key id: ${id}`, EXIT.USAGE);
    const r = await client().clients.revoke.mutate({ clientKeyId });
    emit(ctx.io, r, () => `Revoked client key ${r.clientKeyId} (${r.keyHint}).\n`);
  });
  return clients;
}
