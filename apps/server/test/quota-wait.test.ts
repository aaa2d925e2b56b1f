import { minimalRequestTokens } from '@invoicegw/core';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// Holds sized to what a call can cost (the output cap clamped to what the key has left), and
// requests that wait for holds in flight to settle instead of being refused while quota remains.
let s: TestServer;
let n = 0;

// Unique files and no result cache: every request is a provider call.
const ENV = { CACHE_MAX_ENTRIES: '0', GEMINI_ATTEMPT_TIMEOUT_MS: '20000' };

beforeAll(async () => {
  s = await startTestServer(ENV);
});
afterAll(async () => {
  await s.stop();
});

/** A one-page PDF no other request sends; every one the same size, so every call costs the same. */
const uniquePdf = () =>
  renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `QW-${String(++n).padStart(6, '0')}` });

async function addKey(srv: TestServer, company: string, limit: number) {
  const res = await fetch(`${srv.url}/v1/tokens`, {
    method: 'POST',
    headers: { ...srv.admin, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: company, apiKey: fakeKey(`qw-${company}`), totalTokenLimit: limit }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { tokenId: number };
}

async function extract(company: string, srv = s) {
  const res = await fetch(`${srv.url}/extract`, {
    method: 'POST',
    body: uploadForm({ companyID: company, username: 'u' }, { bytes: uniquePdf() }),
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

const summary = (srv: TestServer, tokenId: number) =>
  srv.deps.core.db.db
    .selectFrom('TokenUsageSummary')
    .select(['TotalUsedTokens', 'ReservedTokens'])
    .where('TokenID', '=', tokenId)
    .executeTakeFirstOrThrow();

/** What the emulator billed for one unique one-page PDF: the cost the budget is measured in. */
async function costOfOne(srv: TestServer): Promise<number> {
  await addKey(srv, 'QW-PROBE', 1_000_000);
  const before = srv.emulator.stats().totalChargedTokens;
  expect((await extract('QW-PROBE', srv)).status).toBe(200);
  return srv.emulator.stats().totalChargedTokens - before;
}

/** 60 concurrent unique one-page PDFs on one key of `limit` tokens. */
async function sixtyOn(srv: TestServer, company: string, limit: number) {
  const cost = await costOfOne(srv);
  const key = await addKey(srv, company, limit);
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 60 }, () => extract(company, srv)));
  const served = results.filter((r) => r.status === 200).length;
  const statuses = results.map((r) => r.status);
  // A key is refused for good only once what it has left (holds aside) is below the least hold.
  const least = minimalRequestTokens(srv.deps.core.ledger);
  console.info(
    `60 concurrent on ${limit}: ${served} served (one costs ${cost}, the least hold is ${least}), ${statuses.filter((x) => x === 402).length} × 402, ${Date.now() - started} ms`,
  );
  expect(statuses.filter((x) => x >= 500)).toEqual([]);
  expect(served).toBeGreaterThanOrEqual(Math.floor((limit - least) / cost) + 1);
  for (const r of results.filter((r) => r.status !== 200)) {
    expect(r).toMatchObject({ status: 402, body: { code: 'TOKEN_LIMIT_EXCEEDED' } });
    expect(r.body.message).toContain('exceeded usage limit');
    expect(r.body.message).toMatch(/: \d+ tokens left, one request needs at least \d+\./);
  }
  const after = await summary(srv, key.tokenId);
  expect(Number(after.TotalUsedTokens)).toBeLessThanOrEqual(limit);
  expect(Number(after.TotalUsedTokens)).toBe(served * cost);
  expect(Number(after.ReservedTokens)).toBe(0);
  return { served, cost };
}

describe('holds sized to what a call can cost, and a wait instead of a refusal', () => {
  it('serves a 20,000-token key until its budget is spent when a call costs about 3,000: 60 concurrent, the rest 402 after waiting', async () => {
    // A realistic call: the emulator's 775 tokens plus 2,225 of thinking (a budget of 2,225,
    // sent and held in full), about what a one-page invoice costs on Gemini.
    const real = await startTestServer(
      { ...ENV, GEMINI_THINKING_BUDGET: '2225' },
      {},
      { thoughtsTokens: 2225 },
    );
    try {
      const { served, cost } = await sixtyOn(real, 'QW-60', 20_000);
      expect(cost).toBeGreaterThan(2500);
      expect(served).toBeGreaterThanOrEqual(Math.floor(20_000 / cost) - 1);
    } finally {
      await real.stop();
    }
  }, 60_000);

  it("spends a 20,000-token key down to its last least hold on the emulator's cheap calls", async () => {
    // 775 a call: ⌊20,000 ∕ 775⌋ − 1 = 24 cannot be reached by any hold that is an upper bound,
    // since the prompt part of a hold alone is 2,560 (2,000 + 560 a page); what can is that the
    // key serves until less than one least hold (2,560 + 1,024 of output) is left.
    const { served, cost } = await sixtyOn(s, 'QW-60-CHEAP', 20_000);
    expect(served * cost).toBeGreaterThan(20_000 - minimalRequestTokens(s.deps.core.ledger));
  }, 60_000);

  it('serves 10 concurrent requests on a 100,000-token key: none refused', async () => {
    await addKey(s, 'QW-10', 100_000);
    const results = await Promise.all(Array.from({ length: 10 }, () => extract('QW-10')));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
  }, 30_000);

  it('clamps the output cap to what the key has left, and the charge stays within the hold', async () => {
    const key = await addKey(s, 'QW-TAIL', 5000);
    const res = await extract('QW-TAIL');
    expect(res.status).toBe(200);
    const call = s.emulator
      .requests()
      .filter((r) => r.status === 200)
      .at(-1)!;
    // 5,000 left − 2,000 prompt overhead − 560 for the page − 0 thinking budget.
    expect(call.maxOutputTokens).toBe(5000 - 2000 - 560);
    expect(call.chargedTokens).toBeLessThanOrEqual(5000);
    const log = await s.deps.core.db.db
      .selectFrom('TokenUsageLogs')
      .select('TotalTokensUsed')
      .where('TokenID', '=', key.tokenId)
      .executeTakeFirstOrThrow();
    expect(Number(log.TotalTokensUsed)).toBe(call.chargedTokens);
    expect(Number((await summary(s, key.tokenId)).TotalUsedTokens)).toBeLessThanOrEqual(5000);
  });

  it('says so when a limit cannot cover one request, and never lists such a key as OK', async () => {
    const res = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: 'QW-600', apiKey: fakeKey('qw-600'), totalTokenLimit: 600 }),
    });
    expect(res.status).toBe(200);
    const view = (await res.json()) as {
      tokenId: number;
      status: string;
      statusReason: string | null;
      health: string;
      warnings?: string[];
    };
    expect(view.status).toBe('Exceeded');
    expect(view.statusReason).toMatch(/limit 600 cannot cover one request \(needs at least \d+\)/);
    expect(view.health).not.toBe('OK');
    expect(view.warnings?.join(' ')).toMatch(/cannot cover one request/);
    const refused = await extract('QW-600');
    expect(refused).toMatchObject({ status: 402, body: { code: 'TOKEN_LIMIT_EXCEEDED' } });
    expect(refused.body.message).toContain('exceeded usage limit');

    // Raised: the key serves again; lowered below one request again: Exceeded again, with a warning.
    const raise = await fetch(`${s.url}/v1/tokens/${view.tokenId}/limit`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ totalTokenLimit: 50_000 }),
    });
    expect(((await raise.json()) as { status: string }).status).toBe('Active');
    const lower = await fetch(`${s.url}/v1/tokens/${view.tokenId}/limit`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ totalTokenLimit: 600, threshold: 0 }),
    });
    const lowered = (await lower.json()) as typeof view;
    expect(lowered.status).toBe('Exceeded');
    expect(lowered.health).toBe('EXCEEDED');
    expect(lowered.warnings?.join(' ')).toMatch(/limit 600 cannot cover one request/);
    const row = await s.deps.core.db.db
      .selectFrom('vw_TokenStatus')
      .select('HealthStatus')
      .where('TokenID', '=', view.tokenId)
      .executeTakeFirstOrThrow();
    expect(row.HealthStatus).toBe('EXCEEDED');
  });
});
