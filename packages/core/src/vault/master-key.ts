import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DomainError } from '../errors/domain-error.ts';

export interface MasterKeys {
  current: Buffer;
  /** Older master keys, still accepted for reading until every row is re-encrypted. */
  previous: Buffer[];
  /** Where the current key came from; 'generated' means a development file was just created. */
  source: 'environment' | 'file' | 'generated';
}

export interface MasterKeyOptions {
  /** TOKEN_ENCRYPTION_KEY: 32 bytes as 64 hex characters or base64. */
  value: string | undefined;
  /** TOKEN_ENCRYPTION_KEY_PREVIOUS: comma-separated older keys. */
  previous: string | undefined;
  production: boolean;
  /** Development fallback file, e.g. ./data/master.key. */
  keyFile: string;
}

/** Parses a 32-byte key; the message never repeats the value. */
export function parseMasterKey(text: string, name = 'TOKEN_ENCRYPTION_KEY'): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (
    bytes.length !== 32 ||
    (!/^[0-9a-fA-F]{64}$/.test(trimmed) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed))
  ) {
    throw new DomainError(
      'INVALID_INPUT',
      `${name} must be 32 random bytes written as 64 hex characters or base64 (generate one with: openssl rand -hex 32)`,
    );
  }
  return bytes;
}

/**
 * The master key that encrypts API keys at rest. Required in production; in development a
 * key is generated once into `keyFile` (mode 0600) so the embedded default works out of the box.
 */
export function loadMasterKeys(options: MasterKeyOptions): MasterKeys {
  const previous = (options.previous ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => parseMasterKey(p, 'TOKEN_ENCRYPTION_KEY_PREVIOUS'));
  if (options.value?.trim())
    return { current: parseMasterKey(options.value), previous, source: 'environment' };
  if (options.production) {
    throw new DomainError('MASTER_KEY_REQUIRED', 'TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production');
  }
  mkdirSync(dirname(options.keyFile), { recursive: true });
  try {
    // 'wx' fails if another process created it first; then that one is read.
    writeFileSync(options.keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return { current: parseMasterKey(readFileSync(options.keyFile, 'utf8')), previous, source: 'generated' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return {
    current: parseMasterKey(readFileSync(options.keyFile, 'utf8'), options.keyFile),
    previous,
    source: 'file',
  };
}
