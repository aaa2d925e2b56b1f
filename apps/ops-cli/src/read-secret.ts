import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, EXIT } from './exit-codes.ts';

/**
 * A key comes from a file, from piped stdin, or from a hidden prompt when stdin is a terminal;
 * never from the command line (where shell history keeps it).
 */
export async function readSecret(
  keyFile: string | undefined,
  options: { stdin?: NodeJS.ReadStream; prompt?: NodeJS.WritableStream; label?: string } = {},
): Promise<string> {
  const stdin = options.stdin ?? process.stdin;
  let text: string;
  if (keyFile) {
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch {
      throw new CliError(`Cannot read the key file ${keyFile}`, EXIT.USAGE);
    }
  } else if (stdin.isTTY) {
    text = await promptHidden(`${options.label ?? 'API key'} (input hidden): `, stdin, options.prompt);
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  }
  const key = text.trim();
  if (!key)
    throw new CliError(
      'The API key given is empty: type it at the prompt, pipe it (printf %s "$KEY" | ocr-ops …) or use --key-file',
      EXIT.USAGE,
    );
  return key;
}

/**
 * Asks on `output` (stderr: stdout stays for results) and reads one line from a terminal without
 * echoing it: readline edits the line in raw mode, and everything it would echo goes to a sink.
 * Ctrl-C ends with exit code 130, Ctrl-D with what was typed so far.
 */
export function promptHidden(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  // Raw mode (no echo) first, then the question: what is typed after the question is never shown.
  const rl = createInterface({ input, output: sink, terminal: true, historySize: 0 });
  output.write(question);
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      output.write('\n');
      rl.close();
      // readline leaves stdin flowing; let the process end once the key is read.
      input.pause();
      outcome();
    };
    rl.on('line', (line) => finish(() => resolve(line)));
    rl.on('SIGINT', () => finish(() => reject(new CliError('Cancelled', EXIT.INTERRUPTED))));
    rl.on('close', () => finish(() => resolve((rl as unknown as { line?: string }).line ?? '')));
  });
}
