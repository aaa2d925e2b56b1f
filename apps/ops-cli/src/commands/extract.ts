import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ExtractionOutput, Invoice } from '@invoicegw/client';
import { Command } from 'commander';
import type { Failure } from '../errors.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { expandPaths } from '../expand-paths.ts';
import { examples } from '../help.ts';
import { emit, table } from '../output.ts';
import type { CommandContext } from './command-context.ts';

interface Outcome {
  file: string;
  status: 'ok' | 'cached' | 'failed' | 'skipped';
  result?: ExtractionOutput;
  error?: string;
  /** The server's warnings, plus the CLI's own (a blank invoice). */
  warnings: string[];
  out?: string;
}

export const BLANK_WARNING = 'blank invoice: no fields read';

/** Every field null or empty and no line: the model read nothing (a blank page, an unreadable scan). */
export function isBlankInvoice(invoice: Invoice): boolean {
  return Object.entries(invoice).every(([field, value]) =>
    field === 'products'
      ? Array.isArray(value) && value.length === 0
      : value === null || value === undefined || (typeof value === 'string' && value.trim() === ''),
  );
}

/**
 * Failures no other file of the batch can escape: the key is refused (401/403), the company has no
 * key that can serve (unknown company, expired, disabled, invalid) or its quota is spent (402).
 * The batch stops at the first one instead of sending every file to the same answer.
 */
export function failsEveryFile(failure: Failure): boolean {
  return (
    failure.exitCode === EXIT.UNREACHABLE ||
    failure.status === 401 ||
    failure.status === 402 ||
    failure.status === 403
  );
}

/**
 * `<name>.json` for each input, the extension kept (inv-1.pdf and inv-1.png never share a file);
 * two inputs with the same name from different folders get `inv-1.pdf.2.json`, `.3`…
 */
export function outputNames(files: readonly string[]): string[] {
  const taken = new Set<string>();
  return files.map((file) => {
    const base = basename(file);
    let name = `${base}.json`;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}.${n}.json`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Batch extraction with bounded concurrency, a progress bar, a summary table and --out. */
export function extractCommand(ctx: CommandContext): Command {
  return examples(
    new Command('extract')
      .description('extract invoices from files, directories or patterns (e.g. "scans/*.pdf")')
      .argument('<files...>', 'files, directories or patterns')
      .requiredOption('--company <id>', 'company whose keys pay')
      .option('--user <name>', 'RequestedBy', 'ocr-ops')
      .option('--branch <name>', 'Branch')
      .option('--concurrency <n>', 'uploads at once', (v) => Number(v), 4)
      .option('--out <dir>', 'write <file name>.json (e.g. inv-1.pdf.json) for every success')
      .option('--overwrite', 'with --out: replace result files already there (otherwise refused)'),
    'ocr-ops extract scans/inv-1.pdf --company NT047',
    'ocr-ops extract "scans/*.pdf" scans/photos --company NT047 --branch HQ --concurrency 8 --out results/',
    'ocr-ops --json extract inbox/ --company NT047 | jq \'.outcomes[] | select(.status == "failed")\'',
  ).action(
    async (
      patterns: string[],
      o: {
        company: string;
        user: string;
        branch?: string;
        concurrency: number;
        out?: string;
        overwrite?: boolean;
      },
    ) => {
      if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 64)
        throw new CliError('--concurrency must be 1 to 64', EXIT.USAGE);
      const files = expandPaths(patterns);
      if (files.length === 0) throw new CliError('No files match', EXIT.USAGE);
      const outDir = o.out;
      const outPaths = outDir ? outputNames(files).map((n) => join(outDir, n)) : [];
      if (outDir) {
        mkdirSync(outDir, { recursive: true });
        // Refused before anything is sent: a result already there is never replaced silently.
        const existing = outPaths.filter((p) => existsSync(p));
        if (existing.length && !o.overwrite)
          throw new CliError(
            `--out ${outDir} already holds ${existing.length === 1 ? existing[0] : `${existing.length} of these results (${existing[0]}, …)`}; use --overwrite to replace them, or another --out`,
            EXIT.USAGE,
          );
      }
      // Loaded here, not at startup: the client would slow every other command's start.
      const { extractionForm } = await import('@invoicegw/client');
      const { describeFailure, formatFailure } = await import('../errors.ts');
      const connection = ctx.connection();
      const { client } = connection;
      const outcomes: Array<Outcome | undefined> = new Array(files.length);
      let fatal: Failure | undefined;
      let next = 0;
      let done = 0;
      const paint = ctx.io.paint;
      const progress = () => {
        if (!ctx.io.tty || ctx.io.json) return;
        const width = 30;
        const filled = Math.round((done / files.length) * width);
        const failed = outcomes.filter((x) => x?.status === 'failed').length;
        ctx.io.err(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${files.length} (${failed} failed)`,
        );
      };
      const extractOne = async (index: number): Promise<Outcome> => {
        const file = files[index]!;
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          return { file, status: 'failed', error: 'READ_FAILED: cannot read the file', warnings: [] };
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
          const warnings = [...result.warnings.map(String)];
          if (isBlankInvoice(result.data)) warnings.push(BLANK_WARNING);
          const outcome: Outcome = { file, status: result.cached ? 'cached' : 'ok', result, warnings };
          if (outDir) {
            const path = outPaths[index]!;
            try {
              writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`, { flag: o.overwrite ? 'w' : 'wx' });
              outcome.out = path;
            } catch (error) {
              // Extracted (and charged) but not saved: a failure, and the result is still in --json.
              outcome.status = 'failed';
              outcome.error =
                (error as NodeJS.ErrnoException).code === 'EEXIST'
                  ? `OUT_EXISTS: ${path} appeared meanwhile; not replaced`
                  : `WRITE_FAILED: ${path}: ${(error as Error).message}`;
            }
          }
          return outcome;
        } catch (error) {
          const failure = describeFailure(error, connection);
          if (failsEveryFile(failure)) fatal ??= failure;
          return { file, status: 'failed', error: failure.message, warnings: [] };
        }
      };
      const step = async () => {
        const index = next++;
        outcomes[index] = await extractOne(index);
        done += 1;
        progress();
      };
      const worker = async () => {
        while (next < files.length && !fatal) await step();
      };
      // The first file goes alone: a failure every file would share costs one upload, not a batch.
      await step();
      await Promise.all(Array.from({ length: Math.min(o.concurrency, files.length) }, worker));
      if (ctx.io.tty && !ctx.io.json) ctx.io.err('\n');
      const all: Outcome[] = files.map((file, i) => outcomes[i] ?? { file, status: 'skipped', warnings: [] });
      const summary = all.map((x) => ({
        file: x.file,
        status: x.status,
        invoice: x.result?.data.invoice_no ?? '',
        lines: x.result?.data.products.length ?? '',
        tokens: x.result?.usage.totalTokens ?? '',
        warnings: x.result ? x.warnings.length : '',
        error: x.error ?? '',
      }));
      const count = (status: Outcome['status']) => all.filter((x) => x.status === status).length;
      const failed = count('failed');
      const skipped = count('skipped');
      const extracted = count('ok') + count('cached');
      const blank = all.filter((x) => x.warnings.includes(BLANK_WARNING)).length;
      const tokens = all.reduce((s, x) => s + (x.result?.usage.totalTokens ?? 0), 0);
      const warningLines = all.flatMap((x) =>
        x.warnings.map((w) => `  ${x.file}: ${w === BLANK_WARNING ? paint('yellow', w) : w}\n`),
      );
      emit(
        ctx.io,
        {
          files: all.length,
          extracted,
          failed,
          skipped,
          blank,
          tokens,
          outcomes: all.map((x, i) => ({
            ...summary[i]!,
            warningMessages: x.warnings,
            ...(x.out ? { out: x.out } : {}),
          })),
        },
        () =>
          `${table(summary, { paint, wordColumns: ['status'] })}${warningLines.length ? `\nWarnings:\n${warningLines.join('')}` : ''}\n${extracted} of ${all.length} extracted${blank ? `, ${paint('yellow', `${blank} blank`)}` : ''}${skipped ? `, ${skipped} skipped` : ''}, ${tokens} tokens.\n`,
      );
      if (fatal)
        throw new CliError(
          `${formatFailure(fatal)}\n  Stopped after ${done} of ${files.length} file(s): no other file could succeed.`,
          fatal.exitCode,
        );
      if (failed > 0) throw new CliError(`${failed} of ${all.length} file(s) failed`, EXIT.PARTIAL);
    },
  );
}
