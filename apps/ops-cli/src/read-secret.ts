import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './exit-codes.ts';

/** A key comes from a file or from stdin, never from the command line (where shell history keeps it). */
export async function readSecret(
  keyFile: string | undefined,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  let text: string;
  if (keyFile) {
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch {
      throw new CliError(`Cannot read the key file ${keyFile}`, EXIT.USAGE);
    }
  } else if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    throw new CliError(
      'Give the API key on stdin (echo "$KEY" | ocr-ops …) or with --key-file; it is never taken as an argument',
      EXIT.USAGE,
    );
  }
  const key = text.trim();
  if (!key) throw new CliError('The API key given is empty', EXIT.USAGE);
  return key;
}
