import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { type ExtractionOutput, extractionForm } from '@invoicegw/client';
import { Command } from 'commander';
import { describeFailure } from '../errors.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { expandPaths } from '../expand-paths.ts';
import { emit, table } from '../output.ts';
import type { CommandContext } from './command-context.ts';

interface Outcome {
  file: string;
  ok: boolean;
  result?: ExtractionOutput;
  error?: string;
}

/** Batch extraction with bounded concurrency, a progress bar, a summary table and --out. */
export function extractCommand(ctx: CommandContext): Command {
  return new Command('extract')
    .description('extract invoices from files, directories or patterns (e.g. "scans/*.pdf")')
    .argument('<files...>', 'files, directories or patterns')
    .requiredOption('--company <id>', 'company whose keys pay')
    .option('--user <name>', 'RequestedBy', 'ocr-ops')
    .option('--branch <name>', 'Branch')
    .option('--concurrency <n>', 'uploads at once', (v) => Number(v), 4)
    .option('--out <dir>', 'write <file>.json for every success')
    .action(
      async (
        patterns: string[],
        o: { company: string; user: string; branch?: string; concurrency: number; out?: string },
      ) => {
        if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 64)
          throw new CliError('--concurrency must be 1 to 64', EXIT.USAGE);
        const files = expandPaths(patterns);
        if (files.length === 0) throw new CliError('No files match', EXIT.USAGE);
        if (o.out) mkdirSync(o.out, { recursive: true });
        const { client, url } = ctx.connection();
        const outcomes: Outcome[] = [];
        let next = 0;
        const progress = () => {
          if (!ctx.io.tty || ctx.io.json) return;
          const done = outcomes.length;
          const width = 30;
          const filled = Math.round((done / files.length) * width);
          ctx.io.err(
            `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${files.length} (${outcomes.filter((x) => !x.ok).length} failed)`,
          );
        };
        const worker = async () => {
          while (next < files.length) {
            const file = files[next++]!;
            let bytes: Buffer;
            try {
              bytes = readFileSync(file);
            } catch {
              outcomes.push({ file, ok: false, error: 'READ_FAILED: cannot read the file' });
              progress();
              continue;
            }
            try {
              const result = await client.extraction.extract.mutate(
                extractionForm({
                  file: new Blob([new Uint8Array(bytes)]),
                  fileName: basename(file),
                  companyId: o.company,
                  username: o.user,
                  ...(o.branch ? { branch: o.branch } : {}),
                }),
              );
              if (o.out)
                writeFileSync(
                  join(o.out, `${basename(file, extname(file))}.json`),
                  `${JSON.stringify(result, null, 2)}\n`,
                );
              outcomes.push({ file, ok: true, result });
            } catch (error) {
              const failure = describeFailure(error, url);
              if (failure.exitCode === EXIT.UNREACHABLE || failure.exitCode === EXIT.AUTH)
                throw new CliError(failure.message, failure.exitCode);
              outcomes.push({ file, ok: false, error: failure.message });
            }
            progress();
          }
        };
        await Promise.all(Array.from({ length: Math.min(o.concurrency, files.length) }, worker));
        if (ctx.io.tty && !ctx.io.json) ctx.io.err('\n');
        outcomes.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
        const summary = outcomes.map((x) => ({
          file: x.file,
          status: x.ok ? (x.result?.cached ? 'cached' : 'ok') : 'failed',
          invoice: x.result?.data.invoice_no ?? '',
          lines: x.result?.data.products.length ?? '',
          tokens: x.result?.usage.totalTokens ?? '',
          warnings: x.result?.warnings.length ?? '',
          error: x.error ?? '',
        }));
        const failed = outcomes.filter((x) => !x.ok).length;
        const tokens = outcomes.reduce((s, x) => s + (x.result?.usage.totalTokens ?? 0), 0);
        emit(
          ctx.io,
          { files: outcomes.length, failed, tokens, outcomes: summary },
          () =>
            `${table(summary)}\n${outcomes.length - failed} of ${outcomes.length} extracted, ${tokens} tokens.\n`,
        );
        if (failed > 0) throw new CliError(`${failed} of ${outcomes.length} file(s) failed`, EXIT.PARTIAL);
      },
    );
}
