import { listAudit } from '@invoicegw/db';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyStore, MAX_IDEMPOTENCY_KEY_LENGTH } from '../src/extraction/idempotency.ts';
import { sweepLedger } from '../src/ledger/sweeper.ts';
import { createRedactor, redactSecrets } from '../src/logging/redact-secrets.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { rotateToken } from '../src/tokens/rotate-token.ts';
import { setTokenExpiry } from '../src/tokens/set-token-expiry.ts';
import { setTokenStatus } from '../src/tokens/set-token-status.ts';
import { auditTrail, usageReport } from '../src/tokens/token-reports.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

const GOOGLE_KEY = `AIzaSy${'Q'.repeat(20)}_-0123456789abc`;

describe('IdempotencyStore bounds', () => {
  it('keeps at most maxEntries keys, forgetting the oldest first, and keeps its TTL', async () => {
    let now = 0;
    const store = new IdempotencyStore<string>(1000, () => now, 3);
    for (const key of ['a', 'b', 'c', 'd']) await store.run('C1', key, 'sha', async () => `r-${key}`);
    expect(store.size).toBe(3);
    // 'a' was evicted: it runs again; 'd' replays.
    expect(await store.run('C1', 'a', 'sha', async () => 'again')).toEqual({
      result: 'again',
      replayed: false,
    });
    expect(await store.run('C1', 'd', 'sha', async () => 'x')).toEqual({ result: 'r-d', replayed: true });
    now = 1000;
    expect(await store.run('C1', 'd', 'sha', async () => 'fresh')).toEqual({
      result: 'fresh',
      replayed: false,
    });
    expect(store.size).toBe(1);
  });

  it('refuses a key longer than 200 characters without remembering it', async () => {
    const store = new IdempotencyStore<string>(60_000);
    const error = await errorOf(
      store.run('C1', 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1), 'sha', async () => 'r'),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message.length).toBeLessThan(200);
    expect(store.size).toBe(0);
    await store.run('C1', 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH), 'sha', async () => 'r');
    expect(store.size).toBe(1);
  });

  it('a failed run forgets only its own entry, not one that replaced it after eviction', async () => {
    const store = new IdempotencyStore<string>(60_000, Date.now, 1);
    let fail!: (e: Error) => void;
    const first = store.run('C1', 'k', 'sha', () => new Promise<string>((_, reject) => (fail = reject)));
    await store.run('C1', 'other', 'sha', async () => 'evicts k');
    const second = await store.run('C1', 'k', 'sha', async () => 'second');
    fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    expect(second.result).toBe('second');
    expect(await store.run('C1', 'k', 'sha', async () => 'third')).toEqual({
      result: 'second',
      replayed: true,
    });
  });

  it('memory stays bounded under many distinct maximal keys', async () => {
    const store = new IdempotencyStore<string>(86_400_000, Date.now, 100);
    for (let i = 0; i < 5000; i += 1)
      await store.run('C1', `${i}-${'k'.repeat(190)}`, 'sha', async () => 'r');
    expect(store.size).toBe(100);
  });
});

describe('createRedactor', () => {
  it('masks key shapes, connection passwords and the literal secrets it was built with', () => {
    const redact = createRedactor(['test-admin-key-for-the-suite', 'a.b*c(d)e+f?', 'short', undefined]);
    const text = `k=${GOOGLE_KEY} admin=test-admin-key-for-the-suite odd=a.b*c(d)e+f? ck=igw_ck_${'z'.repeat(20)} Server=x;Password=hunter2;`;
    const out = redact(text);
    expect(out).not.toContain(GOOGLE_KEY);
    expect(out).not.toContain('test-admin-key-for-the-suite');
    expect(out).not.toContain('a.b*c(d)e+f?');
    expect(out).not.toContain('zzzzzzzz');
    expect(out).not.toContain('hunter2');
    expect(out).toContain('AIza…[redacted]');
    // Secrets shorter than 8 characters would mask ordinary words: not looked for.
    expect(redact('a short word')).toBe('a short word');
    expect(redactSecrets('nothing secret here')).toBe('nothing secret here');
    expect(redact(out)).toBe(out);
  });
});

describe('token operations: dates and operator text', () => {
  let core: TestCore;
  beforeEach(async () => {
    core = await createTestCore();
  });
  afterEach(async () => {
    await core.dispose();
  });

  it('refuses expiries outside 1753-01-01..9999-12-31 on add and setExpiry, and usage filters', async () => {
    const tooLate = new Date('9999-12-31T23:59:59-14:00');
    const tooEarly = new Date('1700-01-01T00:00:00Z');
    for (const expiresAt of [tooLate, tooEarly, new Date(Number.NaN)]) {
      const add = await errorOf(addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('d'), expiresAt }));
      expect(add.code).toBe('INVALID_INPUT');
      expect(add.message).toContain('expiresAt');
    }
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('d') });
    for (const expiresAt of [tooLate, tooEarly])
      expect((await errorOf(setTokenExpiry(core, OPS, view.tokenId, expiresAt))).code).toBe('INVALID_INPUT');
    const last = await setTokenExpiry(core, OPS, view.tokenId, new Date('9999-12-31T00:00:00Z'));
    expect(last.expiresAt).toBe('9999-12-31T00:00:00.000Z');
    expect(last.status).toBe('Active');
    expect((await errorOf(usageReport(core, 'day', { from: tooEarly }))).code).toBe('INVALID_INPUT');
    expect((await errorOf(usageReport(core, 'day', { to: tooLate }))).code).toBe('INVALID_INPUT');
    expect(await usageReport(core, 'day', { from: new Date('1753-01-01T00:00:00Z') })).toEqual([]);
  });

  it('refuses to rotate a key whose stored expiry is out of range (written before the check)', async () => {
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('r') });
    await sql`UPDATE TokenMaster SET ExpiresAt = '+010000-01-01T13:59:59.000Z' WHERE TokenID = ${view.tokenId}`.execute(
      core.db.db,
    );
    const error = await errorOf(rotateToken(core, OPS, { tokenId: view.tokenId, newApiKey: fakeKey('r2') }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('setExpiry');
  });

  it('the sweeper leaves a key with a stored year-10000 expiry alone instead of "retiring" it', async () => {
    const view = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('y') });
    await sql`UPDATE TokenMaster SET ExpiresAt = '+010000-01-01T13:59:59.000Z' WHERE TokenID = ${view.tokenId}`.execute(
      core.db.db,
    );
    await sweepLedger(core);
    const row = await core.db.db
      .selectFrom('TokenMaster')
      .select(['Status', 'StatusReason'])
      .where('TokenID', '=', view.tokenId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ Status: 'Active', StatusReason: null });
  });

  it('masks keys in the actor, the reason and the status reason, stored and shown', async () => {
    const redact = createRedactor(['the-master-key-text']);
    const deps = { ...core, redact };
    const who = { actor: `ops ${GOOGLE_KEY}`, reason: `pasted ${GOOGLE_KEY} and the-master-key-text` };
    const view = await addToken(deps, who, { companyId: 'NT047', apiKey: fakeKey('a') });
    await setTokenStatus(deps, who, view.tokenId, 'Disabled');
    // Without a configured redactor the key shapes are still masked.
    await setTokenStatus(core, { actor: 'ops', reason: `again ${GOOGLE_KEY}` }, view.tokenId, 'Active');
    const stored = JSON.stringify(await listAudit(core.db, {}, { limit: 10, offset: 0 }));
    expect(stored).not.toContain(GOOGLE_KEY);
    expect(stored).not.toContain('the-master-key-text');
    expect(stored).toContain('AIza…[redacted]');
    const token = JSON.stringify(await core.db.db.selectFrom('TokenMaster').selectAll().execute());
    expect(token).not.toContain(GOOGLE_KEY);
    // Rows written before redaction existed are masked as they are read.
    await sql`INSERT INTO AuditLog (TokenID, CompanyID, Action, Actor, Reason, CreatedAt)
      VALUES (${view.tokenId}, 'NT047', 'token.legacy', ${`old ${GOOGLE_KEY}`}, ${GOOGLE_KEY}, ${new Date().toISOString()})`.execute(
      core.db.db,
    );
    const shown = JSON.stringify(await auditTrail(deps, {}, { limit: 10, offset: 0 }));
    expect(shown).toContain('token.legacy');
    expect(shown).not.toContain(GOOGLE_KEY);
  });
});
