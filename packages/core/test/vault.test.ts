import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../src/errors/domain-error.ts';
import { createKeyVault, validateApiKey } from '../src/vault/key-vault.ts';
import { loadMasterKeys, parseMasterKey } from '../src/vault/master-key.ts';
import { fakeKey } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('key vault', () => {
  const key = fakeKey('vault');

  it('seals in a versioned AES-256-GCM envelope and opens it again', () => {
    const vault = createKeyVault({ current: randomBytes(32), previous: [] });
    const sealed = vault.seal(key);
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(key);
    expect(vault.seal(key)).not.toBe(sealed);
    expect(vault.open(sealed)).toBe(key);
    expect(vault.isSealed(sealed)).toBe(true);
    expect(vault.needsReseal(sealed)).toBe(false);
  });

  it('reads legacy plaintext as is', () => {
    const vault = createKeyVault({ current: randomBytes(32), previous: [] });
    expect(vault.isSealed(key)).toBe(false);
    expect(vault.open(` ${key} `)).toBe(key);
  });

  it('refuses a tampered envelope or an unknown master key, without echoing anything secret', () => {
    const vault = createKeyVault({ current: randomBytes(32), previous: [] });
    const sealed = vault.seal(key);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    for (const bad of [tampered, createKeyVault({ current: randomBytes(32), previous: [] }).seal(key)]) {
      const error = (() => {
        try {
          vault.open(bad);
        } catch (e) {
          return e as DomainError;
        }
      })();
      expect(error).toBeInstanceOf(DomainError);
      expect(error?.code).toBe('KEY_DECRYPT_FAILED');
      expect(error?.message).not.toContain(key);
    }
  });

  it('rotates the master key: old envelopes still open, and are marked for re-sealing', () => {
    const oldMaster = randomBytes(32);
    const sealedOld = createKeyVault({ current: oldMaster, previous: [] }).seal(key);
    const vault = createKeyVault({ current: randomBytes(32), previous: [oldMaster] });
    expect(vault.open(sealedOld)).toBe(key);
    expect(vault.needsReseal(sealedOld)).toBe(true);
    expect(vault.needsReseal(vault.seal(key))).toBe(false);
  });

  it('masks and hashes', () => {
    const vault = createKeyVault({ current: randomBytes(32), previous: [] });
    expect(vault.hint('AIzaFAKE-example-key-endsFnM')).toBe('AIza…FnM');
    expect(vault.hint('short-key')).toBe('…');
    expect(vault.hash(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(vault.hash(key)).toBe(vault.hash(key));
  });

  it('validates keys without repeating them', () => {
    expect(validateApiKey(`  ${key}\n`)).toBe(key);
    for (const bad of ['short', `${key} with space`, 'x'.repeat(513), 'AIzaFAKE-\u0001-contains-control']) {
      expect(() => validateApiKey(bad)).toThrow(/12 to 512 printable characters/);
      try {
        validateApiKey(bad);
      } catch (e) {
        expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('master key', () => {
  it('is required in production', () => {
    expect(() =>
      loadMasterKeys({ value: undefined, previous: undefined, production: true, keyFile: '/nonexistent/x' }),
    ).toThrow(expect.objectContaining({ code: 'MASTER_KEY_REQUIRED' }));
  });

  it('accepts hex and base64, and rejects anything else without echoing it', () => {
    const raw = randomBytes(32);
    expect(parseMasterKey(raw.toString('hex'))).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64'))).toEqual(raw);
    expect(parseMasterKey(raw.toString('base64url'))).toEqual(raw);
    const secret = 'not-a-valid-master-key-but-a-secret';
    expect(() => parseMasterKey(secret)).toThrow(/32 random bytes/);
    try {
      parseMasterKey(secret);
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
    }
  });

  it('in development is generated once into a 0600 file and then reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'igw-mk-'));
    dirs.push(dir);
    const keyFile = join(dir, 'data', 'master.key');
    const first = loadMasterKeys({ value: undefined, previous: undefined, production: false, keyFile });
    expect(first.source).toBe('generated');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = loadMasterKeys({ value: undefined, previous: undefined, production: false, keyFile });
    expect(second.source).toBe('file');
    expect(second.current).toEqual(first.current);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(first.current.toString('hex'));
  });

  it('takes previous keys for rotation', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = loadMasterKeys({
      value: a.toString('hex'),
      previous: ` ${b.toString('base64')} ,`,
      production: true,
      keyFile: '',
    });
    expect(keys).toEqual({ current: a, previous: [b], source: 'environment' });
  });
});
