import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const SUPPORTED = /\.(pdf|png|jpe?g|webp|heic|heif)$/i;

/**
 * Files from arguments: plain paths, directories (their supported files), and `*`/`?` patterns
 * in the last path segment (Node 20 has no fs.glob).
 */
export function expandPaths(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (/[*?]/.test(basename(arg))) {
      const dir = dirname(arg);
      const pattern = new RegExp(
        `^${basename(arg)
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      out.push(
        ...names
          .filter((n) => pattern.test(n))
          .sort()
          .map((n) => join(dir, n)),
      );
    } else {
      let isDir = false;
      try {
        isDir = statSync(arg).isDirectory();
      } catch {
        isDir = false;
      }
      if (isDir)
        out.push(
          ...readdirSync(arg)
            .filter((n) => SUPPORTED.test(n))
            .sort()
            .map((n) => join(arg, n)),
        );
      else out.push(arg);
    }
  }
  return [...new Set(out)];
}
