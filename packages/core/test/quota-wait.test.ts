import { findLedgerViolations, getSummary, getToken, releaseReservation } from '@invoicegw/db';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ExtractionDeps, extractInvoice } from '../src/extraction/extract-invoice.ts';
import { acquireKey, type KeyLease } from '../src/ledger/acquire-key.ts';
import { estimateTokens, minimalRequestTokens } from '../src/ledger/ledger-options.ts';
import { chooseKeyFor, grantFor, leastHold, outputShare } from '../src/ledger/output-cap.ts';
import { FairQueue, isHeldInFlight } from '../src/ledger/quota-wait.ts';
import { releaseLease, settleLease } from '../src/ledger/settle-lease.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { setTokenLimit } from '../src/tokens/set-token-limit.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, promptOnlyUsage, type TestCore } from './helpers.ts';

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a failure');
}

const until = (test: () => boolean, ms = 5000) =>
  new Promise<void>((resolve, reject) => {
    const end = Date.now() + ms;
    const look = () => {
      if (test()) resolve();
      else if (Date.now() > end) reject(new Error('condition not met in time'));
      else setTimeout(look, 5);
    };
    look();
  });

describe('the output cap, cut down to what a key has left', () => {
  const request = { tokens: 10_752, output: { cap: 8192, floor: 1024 } };

  it('holds the whole request when it fits, else what is left down to the floor, else nothing', () => {
    expect(leastHold(request)).toBe(10_752 - 8192 + 1024);
    expect(grantFor(20_000, request)).toEqual({ tokens: 10_752, maxOutputTokens: 8192 });
    expect(grantFor(10_752, request)).toEqual({ tokens: 10_752, maxOutputTokens: 8192 });
    expect(grantFor(5000, request)).toEqual({ tokens: 5000, maxOutputTokens: 5000 - 2560 });
    expect(grantFor(3584, request)).toEqual({ tokens: 3584, maxOutputTokens: 1024 });
    expect(grantFor(3583, request)).toBeUndefined();
    // Without a share: all or nothing, as before.
    expect(grantFor(10_751, { tokens: 10_752 })).toBeUndefined();
    expect(leastHold({ tokens: 10_752 })).toBe(10_752);
    // A floor above the cap is the cap.
    expect(leastHold({ tokens: 3000, output: { cap: 500, floor: 1024 } })).toBe(3000);
  });

  it('prefers a key that can hold the whole request; takes a tail only when none can', () => {
    const keys = [
      { tokenId: 1, available: 4000 },
      { tokenId: 2, available: 12_000 },
    ];
    for (const r of [0, 0.3, 0.99]) expect(chooseKeyFor(keys, request, () => r)?.tokenId).toBe(2);
    expect(chooseKeyFor([keys[0]!], request)?.tokenId).toBe(1);
    expect(chooseKeyFor([{ tokenId: 1, available: 3000 }], request)).toBeUndefined();
  });
});

describe('the fair line', () => {
  const busy = Object.assign(new Error('busy'), { busy: true });
  const mayWait = (e: unknown) => (e as { busy?: boolean }).busy === true;

  it('serves waiters in arrival order, the next looking as soon as the first is served', async () => {
    const line = new FairQueue({ pollMinMs: 10_000, pollMaxMs: 10_000 });
    let free = 0;
    const order: number[] = [];
    const take = (n: number) => async () => {
      if (free < 1) throw busy;
      free -= 1;
      order.push(n);
      return n;
    };
    const far = Date.now() + 5000;
    const runs = [1, 2, 3, 4].map((n) => line.run('A', take(n), mayWait, far));
    await until(() => line.waiting('A') === 4);
    // A newcomer joins the back of the line, even when it could be served at once.
    free = 1;
    const late = line.run('A', take(5), mayWait, far);
    line.wake('A');
    await until(() => order.length === 1);
    expect(order).toEqual([1]);
    for (let i = 0; i < 4; i++) {
      free += 1;
      line.wake('A');
      await until(() => order.length === i + 2);
    }
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect((await Promise.all([...runs, late])).map((r) => r.value)).toEqual([1, 2, 3, 4, 5]);
    expect(line.waiting('A')).toBe(0);
  });

  it('looks again every poll without being woken (another replica may have freed it)', async () => {
    const line = new FairQueue({ pollMinMs: 20, pollMaxMs: 40 });
    let looks = 0;
    const started = Date.now();
    const { value, waitedMs } = await line.run(
      'A',
      async () => {
        looks += 1;
        if (Date.now() - started < 150) throw busy;
        return 'served';
      },
      mayWait,
      Date.now() + 5000,
    );
    expect(value).toBe('served');
    expect(looks).toBeGreaterThanOrEqual(3);
    expect(waitedMs).toBeGreaterThanOrEqual(140);
  });

  it('gives up at its bound with the last error, and never waits on an error it may not', async () => {
    const line = new FairQueue({ pollMinMs: 10, pollMaxMs: 20 });
    const started = Date.now();
    await expect(
      line.run(
        'A',
        async () => {
          throw busy;
        },
        mayWait,
        Date.now() + 200,
      ),
    ).rejects.toBe(busy);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const final = new Error('spent');
    const quick = Date.now();
    await expect(
      line.run(
        'A',
        async () => {
          throw final;
        },
        mayWait,
        Date.now() + 5000,
      ),
    ).rejects.toBe(final);
    expect(Date.now() - quick).toBeLessThan(100);
    expect(line.waiting('A')).toBe(0);
  });

  it('a waiter whose time runs out before its turn makes one last attempt, whose error says why', async () => {
    const line = new FairQueue({ pollMinMs: 10, pollMaxMs: 20 });
    const first = line.run(
      'A',
      async () => {
        throw busy;
      },
      mayWait,
      Date.now() + 1000,
    );
    await until(() => line.waiting('A') === 1);
    let tried = 0;
    const spent = new Error('spent');
    await expect(
      line.run(
        'A',
        async () => {
          tried += 1;
          throw spent;
        },
        mayWait,
        Date.now() + 100,
      ),
    ).rejects.toBe(spent);
    expect(tried).toBe(1);
    await expect(first).rejects.toBe(busy);
  });
});

describe('acquiring with the output cap cut down, and waiting for holds in flight', () => {
  let core: TestCore;
  beforeEach(async () => {
    core = await createTestCore();
  });
  afterEach(async () => {
    await core.dispose();
  });
  const full = () => estimateTokens(core.ledger, { kind: 'pdf', pages: 1 });
  const ask = (requestId: string) => ({
    companyId: 'NT047',
    requestId,
    tokens: full(),
    output: outputShare(core.ledger),
  });

  it('holds what a key has left, with the output cap to match, and never spends past the limit', async () => {
    const t = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('a'),
      totalTokenLimit: 15_000,
    });
    const first = await acquireKey(core, ask('r1'));
    expect(first).toMatchObject({ reservedTokens: full(), maxOutputTokens: 8192 });
    const second = await acquireKey(core, ask('r2'));
    const left = 15_000 - full();
    expect(second).toMatchObject({ reservedTokens: left, maxOutputTokens: left - (full() - 8192) });
    const third = await errorOf(acquireKey(core, ask('r3')));
    expect(third).toMatchObject({ code: 'TOKEN_BUSY', details: { heldInFlight: true } });
    expect(isHeldInFlight(third)).toBe(true);
    await settleLease(core, first, {
      usage: promptOnlyUsage(3000),
      outcome: 'success',
      model: 'm',
      latencyMs: 1,
      branch: 'b',
      requestedBy: 'u',
    });
    await releaseLease(core, second);
    expect(await getSummary(core.db, t.tokenId)).toMatchObject({ totalUsedTokens: 3000, reservedTokens: 0 });
    expect(await findLedgerViolations(core.db)).toEqual([]);
  });

  it('a race for a key looks again at what it has left instead of giving up on it', async () => {
    await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a'), totalTokenLimit: 30_000 });
    const leases = await Promise.all(
      Array.from({ length: 6 }, (_, i) => acquireKey(core, ask(`c${i}`)).catch((e) => e)),
    );
    const held = leases.filter((l): l is KeyLease => 'reservationId' in l);
    // 30,000 covers two whole holds and a tail of 8,496 ≥ the least hold: three, whatever the order.
    expect(held.map((l) => l.reservedTokens).reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(held).toHaveLength(3);
    for (const l of held) await releaseLease(core, l);
  });

  it('refuses for good (402) only when what is left, holds aside, is below the least hold, and says how much', async () => {
    const need = minimalRequestTokens(core.ledger);
    await addToken(core, OPS, { companyId: 'NT047', apiKey: fakeKey('a'), totalTokenLimit: need + 5000 });
    const lease = await acquireKey(core, ask('r1'));
    await settleLease(core, lease, {
      usage: promptOnlyUsage(5001),
      outcome: 'success',
      model: 'm',
      latencyMs: 1,
      branch: 'b',
      requestedBy: 'u',
    });
    const refused = await errorOf(acquireKey(core, ask('r2')));
    expect(refused).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED' });
    expect(refused.message).toBe(
      `Token limit exceeded: Active token missing: existing token(s) exceeded usage limit (company NT047): ${need - 1} tokens left, one request needs at least ${need}.`,
    );
    expect(refused.details).toMatchObject({ tokensLeft: need - 1, tokensNeeded: need });
  });
});

describe('an extraction waits in line for holds in flight instead of a 429', () => {
  let emulator: Emulator;
  let core: TestCore;
  let deps: ExtractionDeps;
  let n = 0;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.reset();
    core = await createTestCore();
    deps = {
      ...extractionDeps(core, emulator, { cacheMaxEntries: 0, quotaWaitMs: 1500 }),
      quotaWaits: new FairQueue({ pollMinMs: 50, pollMaxMs: 100 }),
    };
  });
  afterEach(async () => {
    await core.dispose();
  });
  const extract = () =>
    extractInvoice(deps, {
      requestId: `qw-${++n}`,
      companyId: 'NT047',
      file: {
        bytes: renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `QW-${n}` }),
        declaredType: 'application/pdf',
      },
    });
  const holdAll = async (tokenId: number) => {
    // Another request (here, by hand) holds all the key has left.
    const limit = (await getToken(core.db, tokenId))?.totalTokenLimit ?? 0;
    const used = (await getSummary(core.db, tokenId))?.totalUsedTokens ?? 0;
    return acquireKey(core, { companyId: 'NT047', requestId: 'holder', tokens: limit - used });
  };

  it('is served once this process releases the hold: woken, not refused', async () => {
    const t = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('w'),
      totalTokenLimit: 50_000,
    });
    const lease = await holdAll(t.tokenId);
    const started = Date.now();
    const result = extract();
    await until(() => (deps.quotaWaits?.waiting('NT047') ?? 0) === 1);
    setTimeout(() => void releaseLease(deps, lease), 200);
    await expect(result).resolves.toMatchObject({ cached: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await expectExactLedger(core, emulator);
  });

  it('sees a hold another replica released (polling), and 429s with the wait in its message once the bound passes', async () => {
    const t = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('w'),
      totalTokenLimit: 50_000,
    });
    const lease = await holdAll(t.tokenId);
    const served = extract();
    await until(() => (deps.quotaWaits?.waiting('NT047') ?? 0) === 1);
    // Released behind this process's back: nothing wakes the line.
    setTimeout(() => void releaseReservation(core.db, lease.reservationId, new Date()), 200);
    await expect(served).resolves.toMatchObject({ cached: false });

    const again = await holdAll(t.tokenId);
    const started = Date.now();
    const busy = await errorOf(extract());
    expect(busy).toMatchObject({ code: 'TOKEN_BUSY', details: { heldInFlight: true } });
    expect(busy.message).toMatch(/waited \d+ ms in line/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await releaseLease(deps, again);
  });

  it('never waits past its deadline less minDispatchMs', async () => {
    deps = {
      ...extractionDeps(core, emulator, {
        cacheMaxEntries: 0,
        quotaWaitMs: 60_000,
        deadlineMs: 2500,
        minDispatchMs: 2000,
      }),
      quotaWaits: new FairQueue({ pollMinMs: 50, pollMaxMs: 100 }),
    };
    const t = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('w'),
      totalTokenLimit: 50_000,
    });
    const lease = await holdAll(t.tokenId);
    const started = Date.now();
    expect(await errorOf(extract())).toMatchObject({ code: 'TOKEN_BUSY' });
    expect(Date.now() - started).toBeLessThan(2000);
    await releaseLease(deps, lease);
  });

  it('a key too small for one request is refused for good at once, not waited on', async () => {
    const t = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('w'),
      totalTokenLimit: 50_000,
    });
    await sql`UPDATE TokenUsageSummary SET TotalUsedTokens = 48000, TotalRemainingTokens = 2000 WHERE TokenID = ${t.tokenId}`.execute(
      core.db.db,
    );
    const started = Date.now();
    expect(await errorOf(extract())).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(emulator.requests()).toEqual([]);
  });
});

describe('a limit that cannot cover one request', () => {
  let core: TestCore;
  beforeEach(async () => {
    core = await createTestCore();
  });
  afterEach(async () => {
    await core.dispose();
  });

  it('is Exceeded from the start, with the reason and a warning; raised, it serves; lowered again, Exceeded again', async () => {
    const need = minimalRequestTokens(core.ledger);
    const added = await addToken(core, OPS, {
      companyId: 'NT047',
      apiKey: fakeKey('s'),
      totalTokenLimit: 600,
    });
    expect(added).toMatchObject({
      status: 'Exceeded',
      statusReason: `limit 600 cannot cover one request (needs at least ${need})`,
      health: 'EXCEEDED',
      warnings: [
        `limit 600 cannot cover one request (needs at least ${need}): the key is Exceeded until its limit is raised`,
      ],
    });
    const raised = await setTokenLimit(core, OPS, added.tokenId, { totalTokenLimit: 50_000 });
    expect(raised).toMatchObject({ status: 'Active', health: 'OK' });
    expect(raised.warnings).toBeUndefined();
    const lowered = await setTokenLimit(core, OPS, added.tokenId, { totalTokenLimit: 600, threshold: 0 });
    expect(lowered).toMatchObject({ status: 'Exceeded', health: 'EXCEEDED' });
    expect(lowered.warnings?.[0]).toContain('limit 600 cannot cover one request');
    const row = await core.db.db
      .selectFrom('vw_TokenStatus')
      .select('HealthStatus')
      .where('TokenID', '=', added.tokenId)
      .executeTakeFirstOrThrow();
    expect(row.HealthStatus).toBe('EXCEEDED');
    // A disabled key keeps its status, and is warned about all the same.
    await core.db.db
      .updateTable('TokenMaster')
      .set({ Status: 'Disabled' })
      .where('TokenID', '=', added.tokenId)
      .execute();
    const disabled = await setTokenLimit(core, OPS, added.tokenId, { totalTokenLimit: 700 });
    expect(disabled.status).toBe('Disabled');
    expect(disabled.warnings?.[0]).toContain('limit 700 cannot cover one request');
    expect(disabled.warnings?.[0]).toContain('cannot serve until its limit is raised');
  });
});
