import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { colourWanted, painter } from './colour.ts';
import { alertsCommand } from './commands/alerts.ts';
import { clientsCommand } from './commands/clients.ts';
import type { CommandContext } from './commands/command-context.ts';
import { dbCommand } from './commands/db-setup.ts';
import { extractCommand } from './commands/extract.ts';
import { monitoringCommands } from './commands/monitoring.ts';
import { tokensCommand } from './commands/tokens.ts';
import type { Connection } from './connection.ts';
import { EXIT } from './exit-codes.ts';
import { examples } from './help.ts';
import type { Io } from './output.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The whole command tree, wired to `io`; connects lazily, on the first command that needs the gateway. */
export function buildProgram(io: Io): { program: Command; connection: () => Connection | undefined } {
  const program = new Command('ocr-ops')
    .description('Operate the invoice gateway: keys, quotas, usage, logs, database setup, batch extraction.')
    .version(VERSION, '-V, --version', 'print the version of ocr-ops')
    .option('--url <url>', 'gateway URL (or OCR_OPS_URL, or the config file)')
    .option(
      '--admin-key <key>',
      'admin key (prefer OCR_OPS_ADMIN_KEY or the config file: flags land in shell history)',
    )
    .option('--config <path>', 'JSON config file with url and adminKey')
    .option('--actor <name>', 'your name in the audit trail')
    .option('--json', 'machine-readable output')
    .option('--no-color', 'no colour (also NO_COLOR=1; colour is only ever used on a terminal)');
  examples(
    program,
    'export OCR_OPS_URL=http://127.0.0.1:8000 OCR_OPS_ADMIN_KEY=…',
    'ocr-ops status',
    'ocr-ops tokens list --company NT047',
    'ocr-ops --json usage --by key --from 7d | jq .',
    'ocr-ops <command> --help',
  );
  let connection: Connection | undefined;
  // The typed client (tRPC) is loaded only before a command runs: `--help` and `--version`
  // stay a commander-only start.
  let connecting: typeof import('./connection.ts') | undefined;
  program.hook('preAction', async () => {
    connecting ??= await import('./connection.ts');
  });
  const ctx: CommandContext = {
    io,
    connection: () => {
      if (!connecting) throw new Error('ocr-ops: a command asked for the gateway before its action ran');
      connection ??= connecting.connect(program.opts());
      return connection;
    },
  };
  program.addCommand(tokensCommand(ctx));
  for (const command of monitoringCommands(ctx)) program.addCommand(command);
  program.addCommand(clientsCommand(ctx));
  program.addCommand(alertsCommand(ctx));
  program.addCommand(extractCommand(ctx));
  program.addCommand(dbCommand(ctx));
  // Commander must throw, not exit, so every failure ends in the documented exit codes.
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of command.commands) quiet(sub);
  };
  quiet(program);
  return { program, connection: () => connection };
}

/**
 * stdout closed early (`ocr-ops logs --json | head -1`) is not a failure: the reader has what it
 * wanted, so stop quietly with 0 instead of an unhandled EPIPE.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.OK);
    throw error;
  });
}

/** Runs one command line; resolves to the exit code (see exit-codes.ts). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  exitQuietlyOnClosedPipe();
  const noColour = argv.includes('--no-color');
  const io: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    json: argv.includes('--json'),
    tty: Boolean(process.stderr.isTTY),
    paint: painter(!argv.includes('--json') && colourWanted(process.stdout, env, noColour)),
    paintErr: painter(colourWanted(process.stderr, env, noColour)),
    stdin: process.stdin,
  };
  const { program, connection } = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const { describeFailure, formatFailure } = await import('./errors.ts');
    const conn = connection();
    const failure = describeFailure(error, {
      url: conn?.url ?? '(not connected)',
      adminKeySource: conn?.adminKeySource,
    });
    io.err(`${io.paintErr('red', 'ocr-ops:')} ${formatFailure(failure)}\n`);
    return failure.exitCode;
  }
}
