import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../errors/domain-error.ts';
import type { MasterKeys } from './master-key.ts';

const PREFIX = 'enc:v1:';
const AAD = Buffer.from('invoice-gateway:api-key:v1');
const ENVELOPE = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;

/**
 * Encrypts API keys at rest: AES-256-GCM in a versioned envelope
 * `enc:v1:<master key id>:<iv>:<ciphertext+tag>`. The id says which master key sealed a row,
 * so the master key can be rotated and old rows re-encrypted.
 */
export interface KeyVault {
  seal(apiKey: string): string;
  /** Decrypts an envelope. Anything that is not one is a legacy plaintext key and is returned as is. */
  open(stored: string): string;
  isSealed(stored: string): boolean;
  /** Sealed with an older master key. */
  needsReseal(stored: string): boolean;
  /** Masked display form, e.g. `AIza…FnM`. */
  hint(apiKey: string): string;
  /** SHA-256 (hex): finds duplicates without holding the key. */
  hash(apiKey: string): string;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function createKeyVault(keys: Pick<MasterKeys, 'current' | 'previous'>): KeyVault {
  const currentId = keyId(keys.current);
  const byId = new Map([keys.current, ...keys.previous].map((k) => [keyId(k), k] as const));
  return {
    seal(apiKey) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${currentId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored.trim();
      const match = ENVELOPE.exec(stored);
      const key = match && byId.get(match[1]!);
      if (!match || !key) {
        throw new DomainError(
          'KEY_DECRYPT_FAILED',
          'A stored API key was sealed with a master key that is not configured (check TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_KEY_PREVIOUS)',
        );
      }
      try {
        const body = Buffer.from(match[3]!, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(match[2]!, 'base64url'));
        decipher.setAAD(AAD);
        decipher.setAuthTag(body.subarray(body.length - 16));
        return Buffer.concat([
          decipher.update(body.subarray(0, body.length - 16)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new DomainError(
          'KEY_DECRYPT_FAILED',
          'A stored API key failed its integrity check and cannot be used',
        );
      }
    },
    isSealed: (stored) => stored.startsWith(PREFIX),
    needsReseal: (stored) => stored.startsWith(PREFIX) && ENVELOPE.exec(stored)?.[1] !== currentId,
    hint: (apiKey) => (apiKey.length >= 12 ? `${apiKey.slice(0, 4)}…${apiKey.slice(-3)}` : '…'),
    hash: (apiKey) => createHash('sha256').update(apiKey, 'utf8').digest('hex'),
  };
}

/** What an operator may register as a key; the message never repeats the key. */
export function validateApiKey(apiKey: string): string {
  const key = apiKey.trim();
  if (key.length < 12 || key.length > 512 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new DomainError(
      'INVALID_INPUT',
      'The API key must be 12 to 512 printable characters without spaces',
    );
  }
  return key;
}
