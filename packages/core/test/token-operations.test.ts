import { randomBytes } from 'node:crypto';
import { getTokenSecret, listAudit } from '@invoicegw/db';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireKey } from '../src/ledger/acquire-key.ts';
import { minimalRequestTokens } from '../src/ledger/ledger-options.ts';
import { releaseLease, settleLease } from '../src/ledger/settle-lease.ts';
import { sweepLedger } from '../src/ledger/sweeper.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { removeToken } from '../src/tokens/remove-token.ts';
import { rotateToken } from '../src/tokens/rotate-token.ts';
import { setTokenExpiry } from '../src/tokens/set-token-expiry.ts';
import { setTokenLimit } from '../src/tokens/set-token-limit.ts';
import { setTokenStatus } from '../src/tokens/set-token-status.ts';
import { auditTrail, usageReport } from '../src/tokens/token-reports.ts';
import { getTokenView, listTokenViews } from '../src/tokens/token-view.ts';
import { createKeyVault } from '../src/vault/key-vault.ts';
import { encryptLegacyKeys, reencryptAllKeys } from '../src/vault/stored-key.ts';
import { createTestCore, fakeKey, OPS, promptOnlyUsage, type TestCore } from './helpers.ts';

let core: TestCore;
beforeEach(async () => {
  core = await createTestCore();
});
afterEach(async () => {
  await core.dispose();
});

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

const success = (total: number) => ({
  usage: promptOnlyUsage(total),
  outcome: 'success' as const,
  model: 'm',
  latencyMs: 1,
  branch: 'HQ',
  requestedBy: 'amit',
});

describe('operator operations on keys', () => {
  it('adds a key, shows it masked, and refuses the same key twice', async () => {
    const view = await addToken(core, OPS, {
      companyId: 'NT047',
      companyName: 'RUBI TRADERS Pvt ltd',
      apiKey: fakeKey('a'),
      totalTokenLimit: 50_000,
      threshold: 1000,
    });
    expect(view).toMatchObject({
      companyId: 'NT047',
      keyHint: 'AIza…xxx',
      status: 'Active',
      totalTokenLimit: 50_000,
      usage: { used: 0, reserved: 0, remaining: 50_000, threshold: 1000, requests: 0 },
      health: 'OK',
    });
    expect(
      await errorOf(addToken(core, OPS, { companyId: 'OTHER', apiKey: ` ${fakeKey('a')} ` })),
    ).toMatchObject({ code: 'DUPLICATE_KEY' });
    expect(
      await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('b'), totalTokenLimit: -1 })),
    ).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await listTokenViews(core.db, { companyId: 'NT047' })).toHaveLength(1);
  });

  it('sets status, limit and expiry, reopening keys the ledger had closed, each with actor and reason in the audit trail', async () => {
    const min = minimalRequestTokens(core.ledger);
    const t = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a'), totalTokenLimit: min });
    await settleLease(
      core,
      await acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: min }),
      success(min - 10),
    );
    expect((await getTokenView(core.db, t.tokenId)).status).toBe('Exceeded');
    expect(
      (
        await setTokenLimit(core, { actor: 'alice', reason: 'bought more' }, t.tokenId, {
          totalTokenLimit: 10 * min,
          threshold: 500,
        })
      ).status,
    ).toBe('Active');
    expect((await getTokenView(core.db, t.tokenId)).usage).toMatchObject({
      remaining: 10 * min - (min - 10),
      threshold: 500,
    });

    await setTokenStatus(core, { actor: 'bob', reason: 'suspicious traffic' }, t.tokenId, 'Disabled');
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r2', tokens: 1 }))).toMatchObject(
      { code: 'TOKEN_DISABLED' },
    );
    await setTokenStatus(core, OPS, t.tokenId, 'Active');
    expect(await errorOf(setTokenStatus(core, OPS, t.tokenId, 'Paused'))).toMatchObject({
      code: 'INVALID_INPUT',
    });

    await core.db.db
      .updateTable('TokenMaster')
      .set({ Status: 'Expired' })
      .where('TokenID', '=', t.tokenId)
      .execute();
    expect((await setTokenExpiry(core, OPS, t.tokenId, new Date(Date.now() + 86_400_000))).status).toBe(
      'Active',
    );

    const trail = await auditTrail(core, { tokenId: t.tokenId }, { limit: 20 });
    expect(trail.map((a) => [a.action, a.actor, a.reason])).toEqual([
      ['token.expiry', OPS.actor, OPS.reason],
      ['token.status', OPS.actor, OPS.reason],
      ['token.status', 'bob', 'suspicious traffic'],
      ['token.limit', 'alice', 'bought more'],
      ['token.status.auto', 'system', expect.stringContaining('cannot cover a minimal request')],
      ['token.add', OPS.actor, OPS.reason],
    ]);
    expect(trail[3]).toMatchObject({
      before: { status: 'Exceeded', totalTokenLimit: min },
      after: { status: 'Active', totalTokenLimit: 10 * min },
    });
    expect(await errorOf(setTokenLimit(core, OPS, 999, { totalTokenLimit: 1 }))).toMatchObject({
      code: 'TOKEN_NOT_FOUND',
    });
  });

  it('rotates: the new key serves at once with the budget the old one had left, the old one retires after its grace period, and repeating is a no-op', async () => {
    const old = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('old'),
      totalTokenLimit: 100_000,
    });
    await settleLease(
      core,
      await acquireKey(core, { companyId: 'NT047', requestId: 'r1', tokens: 20_000 }),
      success(15_000),
    );
    const inFlight = await acquireKey(core, { companyId: 'NT047', requestId: 'r2', tokens: 20_000 });

    const rotated = await rotateToken(
      core,
      { actor: 'ops', reason: 'weekly rotation' },
      { tokenId: old.tokenId, newApiKey: fakeKey('new'), graceSeconds: 60 },
    );
    expect(rotated.alreadyRotated).toBe(false);
    expect(rotated.current).toMatchObject({
      status: 'Active',
      rotatedFromTokenId: old.tokenId,
      totalTokenLimit: 65_000,
    });
    expect(rotated.previous.status).toBe('Active');
    expect(rotated.previous.retiresAt).not.toBeNull();

    const again = await rotateToken(core, OPS, {
      tokenId: old.tokenId,
      newApiKey: fakeKey('new'),
      graceSeconds: 60,
    });
    expect(again.alreadyRotated).toBe(true);
    expect(again.current.tokenId).toBe(rotated.current.tokenId);
    expect(await listTokenViews(core.db, { companyId: 'NT047' })).toHaveLength(2);

    // New requests go to the new key; the one in flight still settles on the old key.
    const next = await acquireKey(core, { companyId: 'NT047', requestId: 'r3', tokens: 1000 });
    expect(next.tokenId).toBe(rotated.current.tokenId);
    await releaseLease(core, next);
    await settleLease(core, inFlight, success(5000));
    expect((await getTokenView(core.db, old.tokenId)).usage).toMatchObject({ used: 20_000, reserved: 0 });

    core.advance(61_000);
    expect(await sweepLedger(core)).toMatchObject({ retired: 1 });
    expect((await getTokenView(core.db, old.tokenId)).status).toBe('Disabled');
    const actions = (await listAudit(core.db, { companyId: 'NT047' }, { limit: 20 })).map((a) => a.action);
    expect(actions).toEqual(['token.status.auto', 'token.rotate', 'token.add', 'token.add']);
    expect(
      await errorOf(rotateToken(core, OPS, { tokenId: rotated.current.tokenId, newApiKey: fakeKey('old') })),
    ).toMatchObject({ code: 'DUPLICATE_KEY' });
  });

  it('removes softly: never selected again, history kept', async () => {
    const t = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a') });
    await settleLease(
      core,
      await acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 10 }),
      success(10),
    );
    await removeToken(core, { actor: 'ops', reason: 'leaked' }, t.tokenId);
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }))).toMatchObject({
      code: 'NO_ACTIVE_TOKEN',
    });
    expect(await listTokenViews(core.db, { companyId: 'NT047' })).toEqual([]);
    expect(
      (await listTokenViews(core.db, { companyId: 'NT047', includeDeleted: true }))[0]?.deletedAt,
    ).not.toBeNull();
    expect((await usageReport(core, 'company'))[0]).toMatchObject({ key: 'NT047', totalTokens: 10 });
    expect((await usageReport(core, 'user'))[0]).toMatchObject({ key: 'amit' });
  });

  it('encrypts every legacy key on request, and re-encrypts everything after a master key rotation', async () => {
    const oldMaster = randomBytes(32);
    const before = { ...core, vault: createKeyVault({ current: oldMaster, previous: [] }) };
    for (const label of ['l1', 'l2']) {
      await sql`INSERT INTO TokenMaster (CompanyID, ApiKey, Status) VALUES ('NT047', ${fakeKey(label)}, 'Active')`.execute(
        core.db.db,
      );
    }
    await addToken(before, OPS, { companyId: 'NT047', apiKey: fakeKey('sealed') });
    expect(await encryptLegacyKeys(before, OPS)).toEqual({ encrypted: 2 });
    expect(await encryptLegacyKeys(before, OPS)).toEqual({ encrypted: 0 });
    const rows = await core.db.db.selectFrom('TokenMaster').select('ApiKey').execute();
    expect(rows.every((r) => r.ApiKey.startsWith('enc:v1:'))).toBe(true);

    const newMaster = randomBytes(32);
    const during = { ...core, vault: createKeyVault({ current: newMaster, previous: [oldMaster] }) };
    expect(await reencryptAllKeys(during)).toEqual({ resealed: 3 });
    expect(await reencryptAllKeys(during)).toEqual({ resealed: 0 });
    // Once re-encrypted, the old master key can be dropped.
    const after = { ...core, vault: createKeyVault({ current: newMaster, previous: [] }) };
    const keys = [];
    for (let i = 0; i < 3; i++) {
      const lease = await acquireKey(after, {
        companyId: 'NT047',
        requestId: `r${i}`,
        tokens: 1,
        exclude: new Set(keys.map((k) => k.tokenId)),
      });
      keys.push(lease);
    }
    expect(keys.map((k) => k.apiKey).sort()).toEqual(
      [fakeKey('l1'), fakeKey('l2'), fakeKey('sealed')].sort(),
    );
    for (const k of keys) await releaseLease(after, k);
  });
});

describe('secrets never leak', () => {
  it('the plaintext key appears in no log, audit row, error, operation output or stored column', async () => {
    const secret = fakeKey('leakcheck');
    const outputs: unknown[] = [];
    const t = await addToken(core, OPS, { companyId: 'NT047', apiKey: secret });
    outputs.push(t);
    outputs.push(await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: secret })));
    outputs.push(await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: `${secret} x` })));
    const lease = await acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 10 });
    outputs.push(await settleLease(core, lease, success(10)));
    outputs.push(
      await rotateToken(core, OPS, { tokenId: t.tokenId, newApiKey: fakeKey('leakcheck2'), graceSeconds: 0 }),
    );
    outputs.push(await setTokenStatus(core, OPS, t.tokenId, 'Disabled'));
    outputs.push(await setTokenLimit(core, OPS, t.tokenId, { totalTokenLimit: 5 }));
    outputs.push(await listTokenViews(core.db, { includeDeleted: true }));
    outputs.push(await auditTrail(core, {}, { limit: 100 }));
    outputs.push(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 10_000_000 })));
    const stored = await core.db.db.selectFrom('TokenMaster').selectAll().execute();
    const audit = await core.db.db.selectFrom('AuditLog').selectAll().execute();
    const text = JSON.stringify([
      outputs,
      stored,
      audit,
      core.records,
      outputs.map((o) => (o instanceof Error ? o.message : '')),
    ]);
    for (const key of [secret, fakeKey('leakcheck2')]) expect(text).not.toContain(key);
    expect((await getTokenSecret(core.db, t.tokenId))?.apiKey).toMatch(/^enc:v1:/);
  });
});
