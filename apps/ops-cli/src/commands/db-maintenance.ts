import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { examples } from '../help.ts';
import { emit, table, warn } from '../output.ts';
import type { CommandContext } from './command-context.ts';

// The gateway's RETENTION_TABLES (db); repeated so a typo is a usage error before any call.
const TABLES = ['ApplicationLogs', 'RetryAttempts', 'TokenUsageLogs', 'AuditLog', 'AlertDeliveries'] as const;
type Table = (typeof TABLES)[number];

// Kept in step with core's ROLLBACK_CONFIRMATION (the gateway checks it; the CLI only says it).
const CONFIRMATION = 'store keys in plaintext';

const tableName = (text: string, previous: Table[] = []): Table[] => {
  const match = TABLES.find((t) => t.toLowerCase() === text.toLowerCase());
  if (!match)
    throw new CliError(`Not a table with a retention: ${text} (one of ${TABLES.join(', ')})`, EXIT.USAGE);
  return [...previous, match];
};

/** `db prune` and `db rollback …`: through the gateway, which holds the retention settings and the master key. */
export function addMaintenanceCommands(db: Command, ctx: CommandContext): void {
  const client = () => ctx.connection().client;

  examples(
    db
      .command('prune')
      .description('delete rows past their retention (RETENTION_*_DAYS on the gateway) in small batches')
      .option('--dry-run', 'only count what would go')
      .option('--table <name>', `one table (repeatable): ${TABLES.join(', ')}`, tableName),
    'ocr-ops db prune --dry-run',
    'ocr-ops db prune --table ApplicationLogs',
  ).action(async (o: { dryRun?: boolean; table?: Table[] }) => {
    const report = await client().maintenance.prune.mutate({
      dryRun: o.dryRun === true,
      ...(o.table ? { tables: o.table } : {}),
    });
    emit(ctx.io, report, () => {
      const rows = report.tables.map((t) => ({
        table: t.table,
        keep: t.retentionDays === 0 ? 'forever' : `${t.retentionDays} days`,
        'older than': t.cutoff ?? '—',
        rows: t.olderThanCutoff,
        [report.dryRun ? 'would delete' : 'deleted']: report.dryRun ? t.olderThanCutoff : t.deleted,
        batches: t.batches,
      }));
      const note = report.dryRun
        ? 'Dry run: nothing was deleted.\n'
        : 'Old usage rows were folded into TokenUsageArchive first: usage totals are unchanged.\n';
      return `${table(rows)}\n${note}`;
    });
  });

  const rollback = examples(
    db
      .command('rollback')
      .description('prepare the database for the old Python service (checklist 4.8), or undo that'),
    'ocr-ops db rollback status',
    `ocr-ops db rollback prepare --confirm "${CONFIRMATION}" --reason "CHG-1234 rollback"`,
    'ocr-ops db rollback undo --reason "CHG-1234 back on the gateway"',
  );
  examples(
    rollback
      .command('status')
      .description('whether a rollback is prepared, and how many keys are in plaintext'),
    'ocr-ops db rollback status',
    'ocr-ops --json db rollback status',
  ).action(async () => {
    const status = await client().maintenance.rollbackStatus.query();
    emit(ctx.io, status, () =>
      status.prepared
        ? `Rollback prepared: ${status.plaintextKeys} key(s) in plaintext, ${status.sealedKeys} sealed. Undo with "ocr-ops db rollback undo".\n`
        : `No rollback prepared: ${status.sealedKeys} key(s) sealed, ${status.plaintextKeys} in plaintext.\n`,
    );
  });
  examples(
    rollback
      .command('prepare')
      .description(
        'write every key back in plaintext so the old service can read TokenMaster.ApiKey (audited)',
      )
      .option('--confirm <phrase>', `type exactly "${CONFIRMATION}"`)
      .option('--reason <text>', 'for the audit trail'),
    `ocr-ops db rollback prepare --confirm "${CONFIRMATION}" --reason "CHG-1234 rollback"`,
  ).action(async (o: { confirm?: string; reason?: string }) => {
    if (o.confirm !== CONFIRMATION)
      throw new CliError(
        `This stores every API key in plaintext in TokenMaster, readable by anyone who can read the table. To go on, run again with --confirm "${CONFIRMATION}".`,
        EXIT.USAGE,
      );
    const result = await client().maintenance.rollbackPrepare.mutate({
      confirm: o.confirm,
      ...(o.reason ? { reason: o.reason } : {}),
    });
    emit(ctx.io, result, () => {
      const lines = [
        `${result.decrypted} key(s) written back in plaintext; ${result.alreadyPlaintext} already were.`,
        'Next: stop this gateway (every replica), start the old service, check GET / on it.',
        'To come back: start the gateway, then "ocr-ops db rollback undo".',
      ];
      return `${lines.join('\n')}\n`;
    });
    for (const f of result.failed)
      warn(ctx.io, `token ${f.tokenId} could not be opened (${f.reason}): the old service cannot use it`);
    if (result.failed.length > 0) throw new CliError('Some keys stay sealed', EXIT.PARTIAL);
  });
  examples(
    rollback
      .command('undo')
      .description('seal every plaintext key again and end the prepared rollback (audited)')
      .option('--reason <text>', 'for the audit trail'),
    'ocr-ops db rollback undo --reason "CHG-1234 back on the gateway"',
  ).action(async (o: { reason?: string }) => {
    const result = await client().maintenance.rollbackUndo.mutate(o.reason ? { reason: o.reason } : {});
    emit(ctx.io, result, () =>
      result.wasPrepared
        ? `Rollback undone: ${result.encrypted} key(s) sealed again.\n`
        : `No rollback was prepared; ${result.encrypted} plaintext key(s) sealed.\n`,
    );
  });
}
