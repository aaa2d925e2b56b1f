import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getToken, listAudit, listTokens } from '@invoicegw/db';
import { type Emulator, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addToken } from '../src/tokens/add-token.ts';
import { rotateToken } from '../src/tokens/rotate-token.ts';
import { createKeyProber } from '../src/tokens/verify-key.ts';
import { verifyTokens } from '../src/tokens/verify-tokens.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

let emulator: Emulator;
let core: TestCore;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  emulator.reset();
  core = await createTestCore();
  core.keyProber = createKeyProber({ model: 'gemini-2.5-flash', baseUrl: emulator.url });
});
afterEach(async () => {
  await core.dispose();
});

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a failure');
}

const GOOD = fakeKey('verify-good');
const BAD = fakeKey('verify-bad');
const REVOKED = fakeKey('verify-revoked');
const SPENT = fakeKey('verify-spent');

describe('keys verified before they serve', () => {
  it('probes with a free countTokens call: billed nothing, no generateContent, the key never in the audit', async () => {
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: GOOD });
    expect(view.status).toBe('Active');
    expect(view.warnings).toBeUndefined();
    expect(emulator.probes()).toHaveLength(1);
    expect(emulator.probes()[0]).toMatchObject({
      method: 'countTokens',
      status: 200,
      model: 'gemini-2.5-flash',
    });
    expect(emulator.requests()).toEqual([]);
    expect(emulator.stats().totalChargedTokens).toBe(0);
    const [audit] = await listAudit(core.db, { tokenId: view.tokenId }, { limit: 5 });
    expect(audit?.after).toMatchObject({ verification: { state: 'ok', code: 'OK' } });
    expect(JSON.stringify(audit)).not.toContain(GOOD);
    expect(await getToken(core.db, view.tokenId)).toMatchObject({
      lastVerifiedAt: expect.any(String),
      lastVerifyResult: 'ok OK',
    });
  });

  it.each([
    ['invalid', 'API_KEY_INVALID', /API key not valid/],
    ['revoked', 'CONSUMER_SUSPENDED', /Consumer has been suspended/],
  ] as const)(
    'refuses a key the provider answers %s, with its reason, and writes nothing',
    async (state, code, words) => {
      const key = state === 'invalid' ? BAD : REVOKED;
      emulator.setKeyState(key, state);
      const error = await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: key }));
      expect(error.code).toBe('KEY_REJECTED_BY_PROVIDER');
      expect(error.message).toMatch(words);
      expect(error.message).toContain(code);
      expect(error.message).toContain('--force');
      expect(error.message).not.toContain(key);
      expect(await listTokens(core.db, { includeDeleted: true })).toEqual([]);
    },
  );

  it('admits a valid key whose quota is spent, with a warning (not a rejection)', async () => {
    emulator.setKeyState(SPENT, 'daily_quota');
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: SPENT });
    expect(view.status).toBe('Active');
    expect(view.warnings?.join(' ')).toMatch(/valid but its provider quota is spent/);
  });

  it('refuses when the provider gives no verdict (timeout), and says to retry or force', async () => {
    const silent = await hangingServer();
    try {
      core.keyProber = createKeyProber({ model: 'm', baseUrl: silent.url, timeoutMs: 300 });
      const error = await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: GOOD }));
      expect(error.code).toBe('PROVIDER_UNREACHABLE');
      expect(error.message).toMatch(/TIMEOUT/);
      expect(error.message).toMatch(/never served unchecked/);
      expect(error.message).toContain('--force');
      // Refused connections too.
      core.keyProber = createKeyProber({ model: 'm', baseUrl: 'http://127.0.0.1:1' });
      const refused = await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: GOOD }));
      expect(refused.code).toBe('PROVIDER_UNREACHABLE');
      expect(refused.message).toMatch(/NETWORK/);
    } finally {
      await silent.close();
    }
  });

  it('force admits a rejected key, and the audit says it was forced past what', async () => {
    emulator.setKeyState(BAD, 'invalid');
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: BAD, force: true });
    expect(view.status).toBe('Active');
    expect(view.warnings?.join(' ')).toMatch(
      /Admitted although the provider rejected the key \(API_KEY_INVALID/,
    );
    const [audit] = await listAudit(core.db, { tokenId: view.tokenId }, { limit: 5 });
    expect(audit).toMatchObject({
      action: 'token.add',
      after: { verification: { state: 'rejected', code: 'API_KEY_INVALID', forced: true } },
    });
    expect(JSON.stringify(audit)).not.toContain(BAD);
  });

  it('refuses a rejected key at rotate and leaves the old key serving; force rotates it in', async () => {
    const old = await addToken(core, OPS, { companyId: 'NT047', apiKey: GOOD });
    emulator.setKeyState(BAD, 'revoked');
    const error = await errorOf(rotateToken(core, OPS, { tokenId: old.tokenId, newApiKey: BAD }));
    expect(error.code).toBe('KEY_REJECTED_BY_PROVIDER');
    expect(error.message).toMatch(/not rotated in/);
    const tokens = await listTokens(core.db);
    expect(tokens.map((t) => [t.tokenId, t.status, t.retiresAt])).toEqual([[old.tokenId, 'Active', null]]);
    const forced = await rotateToken(core, OPS, { tokenId: old.tokenId, newApiKey: BAD, force: true });
    expect(forced.current.rotatedFromTokenId).toBe(old.tokenId);
    const audit = await listAudit(core.db, { tokenId: forced.current.tokenId }, { limit: 5 });
    expect(audit.find((a) => a.action === 'token.add')?.after).toMatchObject({
      verification: { state: 'rejected', forced: true },
    });
  });

  it('verify reports each key state (ok, rejected, quota) and records it', async () => {
    const ok = await addToken(core, OPS, { companyId: 'A', apiKey: GOOD });
    const revoked = await addToken(core, OPS, { companyId: 'A', apiKey: REVOKED });
    const spent = await addToken(core, OPS, { companyId: 'B', apiKey: SPENT });
    // Revoked and spent after they were added.
    emulator.setKeyState(REVOKED, 'revoked');
    emulator.setKeyState(SPENT, 'daily_quota');
    const results = await verifyTokens(core, OPS);
    expect(results.map((r) => [r.tokenId, r.check.state, r.check.code])).toEqual([
      [ok.tokenId, 'ok', 'OK'],
      [revoked.tokenId, 'rejected', 'CONSUMER_SUSPENDED'],
      [spent.tokenId, 'quota', 'DAILY_QUOTA_EXHAUSTED'],
    ]);
    expect(JSON.stringify(results)).not.toMatch(/AIzaFAKE-verify/);
    const one = await verifyTokens(core, OPS, { tokenId: revoked.tokenId });
    expect(one).toHaveLength(1);
    expect(one[0]?.check.reason).toMatch(/suspended/);
    const audit = await listAudit(core.db, { tokenId: revoked.tokenId }, { limit: 10 });
    expect(audit.filter((a) => a.action === 'token.verify')).toHaveLength(2);
    // Recorded on the key too, where every view shows it.
    expect((await getToken(core.db, revoked.tokenId))?.lastVerifyResult).toMatch(
      /^rejected CONSUMER_SUSPENDED: Permission denied: Consumer has been suspended/,
    );
    expect((await getToken(core.db, spent.tokenId))?.lastVerifyResult).toMatch(
      /^quota DAILY_QUOTA_EXHAUSTED/,
    );
  });

  it('without a prober keys are admitted unchecked, as before', async () => {
    core.keyProber = undefined;
    emulator.setKeyState(BAD, 'invalid');
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: BAD });
    expect(view.status).toBe('Active');
    expect(emulator.probes()).toEqual([]);
    expect((await errorOf(verifyTokens(core, OPS))).code).toBe('INVALID_INPUT');
  });
});

/** Accepts connections and never answers: the probe's own deadline must end the call. */
async function hangingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
