import { once } from 'node:events';
import { createWriteStream, existsSync, linkSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseWhen, WHEN_FORMS } from '../dates.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import type { CommandContext } from './command-context.ts';

export const USAGE_EXPORT_EXAMPLES = [
  'ocr-ops usage export --from 2026-03-01 --to 2026-04-01 > march.csv',
  'ocr-ops usage export --from 30d --format json --company NT047 --out nt047.json',
] as const;

export interface UsageExportOptions {
  company?: string;
  from?: string;
  to?: string;
  format: string;
  out?: string;
  overwrite?: boolean;
}

/**
 * `usage export`: the gateway's streamed export, written as it arrives (stdout, or --out through
 * a `.partial` file linked into place only when the whole export came, so a file that exists
 * is complete).
 */
export async function usageExport(ctx: CommandContext, what: string, o: UsageExportOptions): Promise<void> {
  if (what !== 'export') throw new CliError(`usage takes no argument but export, not "${what}"`, EXIT.USAGE);
  if (o.format !== 'csv' && o.format !== 'json')
    throw new CliError(`--format must be csv or json, not ${o.format}`, EXIT.USAGE);
  if (o.from === undefined) throw new CliError(`usage export needs --from (${WHEN_FORMS})`, EXIT.USAGE);
  const from = parseWhen(o.from, '--from');
  const to = parseWhen(o.to ?? 'now', '--to');
  if (o.out && !o.overwrite && existsSync(o.out))
    throw new CliError(
      `${o.out} already exists; use --overwrite to replace it, or another --out`,
      EXIT.USAGE,
    );
  // Loaded here, not at startup: the client would slow every other command's start.
  const { exportUsage, gatewayError } = await import('@invoicegw/client');
  const connection = ctx.connection();
  let body: ReadableStream<Uint8Array>;
  try {
    body = await exportUsage(
      { url: connection.url, adminKey: connection.adminKey },
      { from, to, format: o.format, ...(o.company ? { company: o.company } : {}) },
    );
  } catch (error) {
    if (gatewayError(error)) throw error;
    throw new CliError(
      `Cannot reach the gateway at ${connection.url} (${(error as Error)?.message})`,
      EXIT.UNREACHABLE,
    );
  }
  if (!o.out) return copy(body, process.stdout);
  const partial = `${o.out}.partial`;
  const file = createWriteStream(partial, { flags: o.overwrite ? 'w' : 'wx' });
  try {
    await once(file, 'open');
  } catch (error) {
    throw new CliError(
      (error as NodeJS.ErrnoException).code === 'EEXIST'
        ? `${partial} exists (another export to ${o.out} running, or one that failed): remove it, or use --overwrite`
        : `Cannot write ${partial}: ${(error as Error).message}`,
      EXIT.USAGE,
    );
  }
  try {
    await copy(body, file);
    file.end();
    await once(file, 'finish');
    if (o.overwrite) renameSync(partial, o.out);
    else {
      // A link fails if the name was taken meanwhile: never replaces what it was told to keep.
      try {
        linkSync(partial, o.out);
        rmSync(partial);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST')
          throw new CliError(
            `${o.out} appeared while exporting and was left as it was: use another --out`,
            EXIT.USAGE,
          );
        // A file system without hard links: a plain rename, checked just before.
        if (existsSync(o.out)) throw error;
        renameSync(partial, o.out);
      }
    }
  } catch (error) {
    file.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
  ctx.io.err(`Wrote ${o.out}\n`);
}

/** Bytes as they come, waiting for the writer to drain: a slow reader never makes us buffer. */
async function copy(body: ReadableStream<Uint8Array>, out: NodeJS.WritableStream): Promise<void> {
  try {
    for await (const chunk of Readable.fromWeb(body as import('node:stream/web').ReadableStream)) {
      if (!out.write(chunk as Buffer)) await once(out, 'drain');
    }
  } catch (error) {
    throw new CliError(
      `The export was cut off part way (${(error as Error)?.message}): what was written is incomplete`,
      EXIT.FAILURE,
    );
  }
}
