import { Command, CommanderError } from 'commander';
import { clientsCommand } from './commands/clients.ts';
import type { CommandContext } from './commands/command-context.ts';
import { dbCommand } from './commands/db-setup.ts';
import { extractCommand } from './commands/extract.ts';
import { monitoringCommands } from './commands/monitoring.ts';
import { tokensCommand } from './commands/tokens.ts';
import { type Connection, connect } from './connection.ts';
import { describeFailure } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './output.ts';

/** Runs one command line; resolves to the exit code (see exit-codes.ts). */
export async function main(argv: string[]): Promise<number> {
  const io: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    json: argv.includes('--json'),
    tty: Boolean(process.stderr.isTTY),
  };
  const program = new Command('ocr-ops')
    .description('Operate the invoice gateway: keys, quotas, usage, logs, database setup, batch extraction.')
    .option('--url <url>', 'gateway URL (or OCR_OPS_URL, or the config file)')
    .option(
      '--admin-key <key>',
      'admin key (prefer OCR_OPS_ADMIN_KEY or the config file: flags land in shell history)',
    )
    .option('--config <path>', 'JSON config file with url and adminKey')
    .option('--actor <name>', 'your name in the audit trail')
    .option('--json', 'machine-readable output');
  let connection: Connection | undefined;
  const ctx: CommandContext = {
    io,
    connection: () => {
      connection ??= connect(program.opts());
      return connection;
    },
  };
  program.addCommand(tokensCommand(ctx));
  for (const command of monitoringCommands(ctx)) program.addCommand(command);
  program.addCommand(clientsCommand(ctx));
  program.addCommand(extractCommand(ctx));
  program.addCommand(dbCommand(ctx));
  // Commander must throw, not exit, so every failure ends in the documented exit codes.
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of command.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const failure = describeFailure(error, connection?.url ?? '(not connected)');
    io.err(`ocr-ops: ${failure.message}\n`);
    return failure.exitCode;
  }
}
