import { Command } from 'commander';
import { examples } from '../help.ts';
import { emit } from '../output.ts';
import type { CommandContext } from './command-context.ts';
import { addMaintenanceCommands } from './db-maintenance.ts';

/** Creates or upgrades the schema on a database, without a running gateway. */
export function dbCommand(ctx: CommandContext): Command {
  const db = examples(
    new Command('db').description(
      'the database: setup directly (no gateway needed); prune and rollback through the gateway',
    ),
    'ocr-ops db setup --database-url sqlite:./data/ocr.sqlite',
    'ocr-ops db setup --print-sql > setup_database.sql',
  );
  examples(
    db
      .command('setup')
      .description('create or upgrade the schema (the same migrations the service runs at startup)')
      .option('--database-url <url>', 'DATABASE_URL form; default: $DATABASE_URL, else ./data/ocr.sqlite')
      .option('--schema <name>', 'SQL Server schema (default dbo)')
      .option('--token-schema <name>', 'SQL Server schema of the token tables')
      .option('--print-sql', 'print the T-SQL setup script instead of running anything'),
    'ocr-ops db setup',
    'DATABASE_URL="mssql://ocr:…@db.example:1433/ocr" ocr-ops db setup --schema ocr',
    'ocr-ops db setup --print-sql > setup_database.sql   # for a DBA to run',
  ).action(async (o: { databaseUrl?: string; schema?: string; tokenSchema?: string; printSql?: boolean }) => {
    // Loaded here, not at startup: the database drivers would slow every other command.
    const lib = await import('@invoicegw/db');
    if (o.printSql) return ctx.io.out(lib.renderSetupScript());
    const config = lib.parseDatabaseUrl(o.databaseUrl ?? process.env.DATABASE_URL);
    const handle = await lib.openDatabase(
      config,
      lib.parseSchemaOptions({ schema: o.schema, tokenSchema: o.tokenSchema }),
    );
    try {
      const result = await lib.migrate(handle);
      emit(ctx.io, { database: lib.describeDatabase(config), ...result, schemas: handle.schemas }, () =>
        result.applied.length
          ? `Applied ${result.applied.join(', ')} on ${lib.describeDatabase(config)}.\n`
          : `The schema on ${lib.describeDatabase(config)} is already current.\n`,
      );
    } finally {
      await handle.close();
    }
  });
  addMaintenanceCommands(db, ctx);
  return db;
}
