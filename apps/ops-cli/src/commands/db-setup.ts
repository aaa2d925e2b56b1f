import {
  describeDatabase,
  migrate,
  openDatabase,
  parseDatabaseUrl,
  parseSchemaOptions,
  renderSetupScript,
} from '@invoicegw/db';
import { Command } from 'commander';
import { emit } from '../output.ts';
import type { CommandContext } from './command-context.ts';

/** Creates or upgrades the schema on a database, without a running gateway. */
export function dbCommand(ctx: CommandContext): Command {
  const db = new Command('db').description('the database, directly (no gateway needed)');
  db.command('setup')
    .description('create or upgrade the schema (the same migrations the service runs at startup)')
    .option('--database-url <url>', 'DATABASE_URL form; default: $DATABASE_URL, else ./data/ocr.sqlite')
    .option('--schema <name>', 'SQL Server schema (default dbo)')
    .option('--token-schema <name>', 'SQL Server schema of the token tables')
    .option('--print-sql', 'print the T-SQL setup script instead of running anything')
    .action(
      async (o: { databaseUrl?: string; schema?: string; tokenSchema?: string; printSql?: boolean }) => {
        if (o.printSql) return ctx.io.out(renderSetupScript());
        const config = parseDatabaseUrl(o.databaseUrl ?? process.env.DATABASE_URL);
        const handle = await openDatabase(
          config,
          parseSchemaOptions({ schema: o.schema, tokenSchema: o.tokenSchema }),
        );
        try {
          const result = await migrate(handle);
          emit(ctx.io, { database: describeDatabase(config), ...result, schemas: handle.schemas }, () =>
            result.applied.length
              ? `Applied ${result.applied.join(', ')} on ${describeDatabase(config)}.\n`
              : `The schema on ${describeDatabase(config)} is already current.\n`,
          );
        } finally {
          await handle.close();
        }
      },
    );
  return db;
}
