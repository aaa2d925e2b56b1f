import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Compares secrets in constant time (over their digests, so lengths do not leak either). */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * ADMIN_API_KEY, or in development a key generated once into `keyFile` (0600). `generated`
 * tells the caller to print it, once.
 */
export function loadAdminKey(options: { value: string | undefined; production: boolean; keyFile: string }): {
  key: string;
  generated: boolean;
} {
  if (options.value) return { key: options.value, generated: false };
  if (options.production) throw new Error('ADMIN_API_KEY is required when NODE_ENV=production');
  mkdirSync(dirname(options.keyFile), { recursive: true });
  try {
    writeFileSync(options.keyFile, `igw_admin_${randomBytes(24).toString('base64url')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    return { key: readFileSync(options.keyFile, 'utf8').trim(), generated: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { key: readFileSync(options.keyFile, 'utf8').trim(), generated: false };
}

/** The credential a request presents: `Authorization: Bearer …` or `X-Api-Key` / `X-Client-Key`. */
export function presentedKey(headers: { get(name: string): string | null | undefined }): string | undefined {
  const auth = headers.get('authorization');
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1];
  return (bearer || headers.get('x-api-key') || headers.get('x-client-key') || '').trim() || undefined;
}
