import { randomBytes } from 'node:crypto';
import {
  findLedgerViolations,
  getSummary,
  getToken,
  getTokenSecret,
  listAudit,
  listUsageLogs,
} from '@invoicegw/db';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../src/errors/domain-error.ts';
import { acquireKey } from '../src/ledger/acquire-key.ts';
import { coolDownKey, markKeyInvalid } from '../src/ledger/key-status.ts';
import { estimateTokens, minimalRequestTokens } from '../src/ledger/ledger-options.ts';
import { type CallRecord, releaseLease, settleLease, type UsageReport } from '../src/ledger/settle-lease.ts';
import { sweepLedger } from '../src/ledger/sweeper.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { setTokenStatus } from '../src/tokens/set-token-status.ts';
import { createKeyVault } from '../src/vault/key-vault.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

let core: TestCore;
beforeEach(async () => {
  core = await createTestCore();
});
afterEach(async () => {
  await core.dispose();
});

const PDF1 = () => estimateTokens(core.ledger, { kind: 'pdf', pages: 1 });

function usage(total: number, extra: Partial<UsageReport> = {}): UsageReport {
  return {
    promptTokens: total - 200,
    candidatesTokens: 150,
    thoughtsTokens: 50,
    cachedTokens: 0,
    totalTokens: total,
    textPromptTokens: 40,
    imagePromptTokens: 0,
    documentPromptTokens: total - 240,
    textCandidatesTokens: 150,
    ...extra,
  };
}

function call(total: number | null, outcome: CallRecord['outcome'] = 'success'): CallRecord {
  return {
    usage: total === null ? null : usage(total),
    outcome,
    model: 'gemini-2.5-flash',
    latencyMs: 42,
    branch: 'TEST',
    requestedBy: 'tester',
  };
}

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; retryAfterSeconds?: number };
  }
  throw new Error('expected a failure');
}

describe('a key inserted by hand in plain SQL (checklist step 2.3)', () => {
  it('is used, charged, and encrypted in place on first use', async () => {
    const legacyKey = fakeKey('legacy-sql');
    await sql`INSERT INTO TokenMaster (CompanyID, CompanyName, ApiKey, Provider, TotalTokenLimit, Status)
      VALUES ('NT047', 'RUBI TRADERS Pvt ltd', ${legacyKey}, 'Gemini', 100000, 'Active')`.execute(core.db.db);
    const lease = await acquireKey(core, { companyId: 'NT047', requestId: 'r1', tokens: PDF1() });
    expect(lease.apiKey).toBe(legacyKey);
    expect(lease.keyHint).toBe('AIza…xxx');
    const secret = await getTokenSecret(core.db, lease.tokenId);
    expect(secret?.apiKey).toMatch(/^enc:v1:/);
    expect(secret?.keyHash).toBe(core.vault.hash(legacyKey));
    expect((await getToken(core.db, lease.tokenId))?.keyHint).toBe('AIza…xxx');
    await settleLease(core, lease, call(1500));
    expect(await getSummary(core.db, lease.tokenId)).toMatchObject({
      totalUsedTokens: 1500,
      totalRemainingTokens: 98_500,
      reservedTokens: 0,
      requestCount: 1,
    });
    const audit = await listAudit(core.db, { tokenId: lease.tokenId }, { limit: 10 });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([['token.key.encrypt', 'system']]);
    expect(await findLedgerViolations(core.db)).toEqual([]);
  });
});

describe('reserve and settle', () => {
  it('charges totalTokenCount, logs the usage row with its modalities, and keeps the invariants', async () => {
    const token = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('a'),
      totalTokenLimit: 100_000,
    });
    const lease = await acquireKey(core, { companyId: 'NT047', requestId: 'req-1', tokens: PDF1() });
    expect(lease.tokenId).toBe(token.tokenId);
    expect(await getSummary(core.db, token.tokenId)).toMatchObject({
      reservedTokens: PDF1(),
      totalUsedTokens: 0,
    });
    await settleLease(core, lease, call(1302));
    const [row] = await listUsageLogs(core.db, { requestId: 'req-1' }, { limit: 5 });
    expect(row).toMatchObject({
      tokenId: token.tokenId,
      companyId: 'NT047',
      branch: 'TEST',
      requestedBy: 'tester',
      inputTokens: 1102,
      outputTokens: 200,
      thoughtsTokens: 50,
      documentPromptTokens: 1062,
      totalTokensUsed: 1302,
      model: 'gemini-2.5-flash',
      outcome: 'success',
      latencyMs: 42,
    });
    expect(await getSummary(core.db, token.tokenId)).toMatchObject({
      reservedTokens: 0,
      totalUsedTokens: 1302,
      totalRemainingTokens: 98_698,
    });
    expect(await findLedgerViolations(core.db)).toEqual([]);
  });

  it('a failed call releases its hold and is charged only what the provider reported', async () => {
    await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a') });
    const blocked = await acquireKey(core, { companyId: 'NT047', requestId: 'blocked', tokens: PDF1() });
    await settleLease(core, blocked, {
      ...call(null, 'blocked'),
      usage: usage(2538, {
        candidatesTokens: 0,
        thoughtsTokens: 0,
        textCandidatesTokens: 0,
        promptTokens: 2538,
      }),
    });
    const failed = await acquireKey(core, { companyId: 'NT047', requestId: 'failed', tokens: PDF1() });
    await settleLease(core, failed, call(null, 'failed'));
    const never = await acquireKey(core, { companyId: 'NT047', requestId: 'never', tokens: PDF1() });
    await releaseLease(core, never);
    expect(await getSummary(core.db, blocked.tokenId)).toMatchObject({
      totalUsedTokens: 2538,
      reservedTokens: 0,
      requestCount: 1,
    });
    expect(
      (await listUsageLogs(core.db, {}, { limit: 10 })).map((u) => [
        u.requestId,
        u.outcome,
        u.totalTokensUsed,
      ]),
    ).toEqual([['blocked', 'blocked', 2538]]);
    expect(await findLedgerViolations(core.db)).toEqual([]);
  });

  it('never lets concurrent requests spend past the limit', async () => {
    const need = PDF1();
    await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a'), totalTokenLimit: need * 3 + 10 });
    await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('b'), totalTokenLimit: need * 2 + 10 });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        acquireKey(core, { companyId: 'NT047', requestId: `c${i}`, tokens: need }),
      ),
    );
    const leases = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(leases).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.code).toBe('TOKEN_BUSY');
    await Promise.all(leases.map((l) => settleLease(core, l, call(need))));
    expect(await findLedgerViolations(core.db)).toEqual([]);
    expect(
      await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'late', tokens: need })),
    ).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED' });
  });

  it('fails over: a key excluded for this request is not chosen again', async () => {
    const a = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a') });
    const b = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('b') });
    const lease = await acquireKey(core, {
      companyId: 'NT047',
      requestId: 'r',
      tokens: PDF1(),
      exclude: new Set([a.tokenId]),
    });
    expect(lease.tokenId).toBe(b.tokenId);
    await releaseLease(core, lease);
    const none = await errorOf(
      acquireKey(core, {
        companyId: 'NT047',
        requestId: 'r',
        tokens: PDF1(),
        exclude: new Set([a.tokenId, b.tokenId]),
      }),
    );
    expect(none).toMatchObject({ code: 'TOKEN_BUSY' });
  });

  it('marks a key Exceeded once it cannot cover a minimal request, and warns once below the threshold', async () => {
    const min = minimalRequestTokens(core.ledger);
    const token = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('a'),
      totalTokenLimit: Math.floor(2.5 * min),
      threshold: 2 * min,
    });
    for (const id of ['r1', 'r2']) {
      const lease = await acquireKey(core, { companyId: 'NT047', requestId: id, tokens: min });
      await settleLease(core, lease, call(Math.floor(min * 0.9)));
    }
    const warnings = core.records.filter(
      (r) => r.level === 'WARNING' && r.message.includes('below its threshold'),
    );
    expect(warnings).toHaveLength(1);
    expect((await getToken(core.db, token.tokenId))?.status).toBe('Exceeded');
    const audit = await listAudit(
      core.db,
      { tokenId: token.tokenId, action: 'token.status.auto' },
      { limit: 5 },
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'system',
      before: { status: 'Active' },
      after: { status: 'Exceeded' },
    });
    expect(
      await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r3', tokens: min })),
    ).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED' });
  });
});

describe('when no key can serve', () => {
  it('says why, with stable codes and the checklist phrases', async () => {
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }))).toMatchObject({
      code: 'NO_ACTIVE_TOKEN',
      message: expect.stringContaining('No active token found for company NT047'),
    });
    const t = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a') });
    await core.db.db
      .updateTable('TokenMaster')
      .set({ Status: 'Expired' })
      .where('TokenID', '=', t.tokenId)
      .execute();
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }))).toMatchObject({
      code: 'TOKEN_EXPIRED',
      message: expect.stringContaining('Token expired'),
    });
    // Recovery after reactivation (checklist 2.6).
    await core.db.db
      .updateTable('TokenMaster')
      .set({ Status: 'Active' })
      .where('TokenID', '=', t.tokenId)
      .execute();
    await releaseLease(core, await acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }));
  });

  it.each([
    [['Expired', 'Exceeded', 'Disabled', 'Invalid'], 'TOKEN_EXPIRED'],
    [['Exceeded', 'Disabled', 'Invalid'], 'TOKEN_LIMIT_EXCEEDED'],
    [['Disabled', 'Invalid'], 'TOKEN_DISABLED'],
    [['Invalid'], 'TOKEN_INVALID'],
    [['BelowThreshold'], 'NO_ACTIVE_TOKEN'],
  ])('ranks %j as %s (Expired > Exceeded > Disabled > Invalid)', async (statuses, code) => {
    for (const [i, status] of statuses.entries()) {
      const t = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey(`k${i}`) });
      await core.db.db
        .updateTable('TokenMaster')
        .set({ Status: status })
        .where('TokenID', '=', t.tokenId)
        .execute();
    }
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }))).toMatchObject({
      code,
    });
  });

  it('turns a key whose ExpiresAt passed into Expired, with an audit entry', async () => {
    const t = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('a'),
      expiresAt: new Date(Date.now() + 60_000),
    });
    core.advance(120_000);
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }))).toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
    expect((await getToken(core.db, t.tokenId))?.status).toBe('Expired');
    expect(
      (await listAudit(core.db, { tokenId: t.tokenId, action: 'token.status.auto' }, { limit: 5 }))[0]
        ?.reason,
    ).toBe('ExpiresAt passed');
  });

  it('a key rejected by the provider turns Invalid; one out of daily quota cools down and the error says when to retry', async () => {
    const a = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a') });
    const b = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('b') });
    expect(await markKeyInvalid(core, a, 'provider said API_KEY_INVALID', 'r1')).toBe(true);
    expect(await markKeyInvalid(core, a, 'again', 'r2')).toBe(false);
    await coolDownKey(core, b, new Date(Date.now() + 3_600_000), 'daily quota exhausted', 'r3');
    const busy = await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 }));
    expect(busy).toMatchObject({ code: 'TOKEN_BUSY' });
    expect(busy.retryAfterSeconds).toBeGreaterThan(3500);
    core.advance(3_600_001);
    const lease = await acquireKey(core, { companyId: 'NT047', requestId: 'r', tokens: 1 });
    expect(lease.tokenId).toBe(b.tokenId);
    await releaseLease(core, lease);
  });

  it('matches company ids exactly after trimming', async () => {
    await addToken(core, OPS, { companyId: ' NT047 ', apiKey: fakeKey('a') });
    await releaseLease(core, await acquireKey(core, { companyId: 'NT047  ', requestId: 'r', tokens: 1 }));
    expect(
      isDomainError(
        await errorOf(acquireKey(core, { companyId: 'NT04', requestId: 'r', tokens: 1 })),
        'NO_ACTIVE_TOKEN',
      ),
    ).toBe(true);
    expect(await errorOf(acquireKey(core, { companyId: '   ', requestId: 'r', tokens: 1 }))).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('the sweeper', () => {
  it('releases holds of a dead process, and nothing else', async () => {
    const t = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a') });
    const dead = await acquireKey(core, { companyId: 'NT047', requestId: 'dead', tokens: 5000 });
    core.advance(core.ledger.reservationTtlMs + 1);
    const alive = await acquireKey(core, { companyId: 'NT047', requestId: 'alive', tokens: 3000 });
    expect(await sweepLedger(core)).toMatchObject({ released: 1, releasedTokens: 5000 });
    expect(await getSummary(core.db, t.tokenId)).toMatchObject({ reservedTokens: 3000 });
    // The dead request's late settle still charges what it used, without releasing twice.
    await settleLease(core, dead, call(1000));
    await settleLease(core, alive, call(2000));
    expect(await getSummary(core.db, t.tokenId)).toMatchObject({ reservedTokens: 0, totalUsedTokens: 3000 });
    expect(await findLedgerViolations(core.db)).toEqual([]);
  });

  it('expires lapsed keys and disables rotated-out keys after their grace period', async () => {
    const a = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('a'),
      expiresAt: new Date(Date.now() + 1000),
    });
    const b = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('b') });
    await core.db.db
      .updateTable('TokenMaster')
      .set({ RetiresAt: new Date(Date.now() + 1000) })
      .where('TokenID', '=', b.tokenId)
      .execute();
    expect(await sweepLedger(core)).toMatchObject({ expired: 0, retired: 0 });
    core.advance(2000);
    expect(await sweepLedger(core)).toMatchObject({ expired: 1, retired: 1 });
    expect((await getToken(core.db, a.tokenId))?.status).toBe('Expired');
    expect((await getToken(core.db, b.tokenId))?.status).toBe('Disabled');
    await setTokenStatus(core, OPS, b.tokenId, 'Active');
    expect((await getToken(core.db, b.tokenId))?.retiresAt).toBeNull();
  });
});

describe('a key this process cannot decrypt', () => {
  it('is skipped for the company’s other keys, and reported when it is the only one', async () => {
    const good = await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('good') });
    const foreign = createKeyVault({ current: randomBytes(32), previous: [] });
    const bad = await addToken({ ...core, vault: foreign }, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('foreign'),
    });
    for (let i = 0; i < 5; i++) {
      const lease = await acquireKey(core, {
        companyId: 'NT047',
        requestId: `d${i}`,
        tokens: 1,
        random: () => (i % 2 ? 0.99 : 0),
      });
      expect(lease.tokenId).toBe(good.tokenId);
      await releaseLease(core, lease);
    }
    expect(core.records.some((r) => r.level === 'ERROR' && r.fields.tokenId === bad.tokenId)).toBe(true);
    await core.db.db
      .updateTable('TokenMaster')
      .set({ Status: 'Disabled' })
      .where('TokenID', '=', good.tokenId)
      .execute();
    expect(await errorOf(acquireKey(core, { companyId: 'NT047', requestId: 'd9', tokens: 1 }))).toMatchObject(
      { code: 'KEY_DECRYPT_FAILED' },
    );
    expect(await findLedgerViolations(core.db)).toEqual([]);
  });
});
