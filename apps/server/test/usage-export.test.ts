import { insertUsageLog, sumTokensUsed } from '@invoicegw/db';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// The usage export against the real server: real extractions through the emulator plus rows
// written straight into the ledger, so presumed charges and old rows are in it too.
let s: TestServer;
const tokenIds: number[] = [];
const PDF = renderInvoicePdf(DEMO_INVOICE);
const FROM = '2026-01-01';
const TO = '2100-01-01';

beforeAll(async () => {
  s = await startTestServer({ CACHE_MAX_ENTRIES: '0' });
  for (const [company, label] of [
    ['EX1', 'ex1'],
    ['EX2', 'ex2'],
  ] as const) {
    const res = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: company, apiKey: fakeKey(label), totalTokenLimit: 10_000_000 }),
    });
    expect(res.status).toBe(200);
    tokenIds.push(((await res.json()) as { tokenId: number }).tokenId);
  }
  for (const [companyId, username, branch] of [
    ['EX1', 'amit', 'HQ'],
    ['EX1', 'amit', 'HQ'],
    ['EX1', '=cmd|calc', 'Pokhara, "East"'],
    ['EX2', 'sita', 'HQ'],
  ] as const) {
    const res = await fetch(`${s.url}/v1/extract`, {
      method: 'POST',
      body: uploadForm({ companyId, username, branch }, { bytes: PDF }),
    });
    expect(res.status).toBe(200);
  }
  // Ledger rows of another day: a presumed charge, and an old row without a company.
  await insertUsageLog(s.deps.core.db, {
    TokenID: tokenIds[0]!,
    CompanyID: 'EX1',
    Branch: 'HQ',
    RequestedBy: 'amit',
    TotalTokensUsed: 9000,
    PresumedTokens: 9000,
    Outcome: 'presumed',
    LoggedAt: new Date('2026-03-01T10:00:00Z'),
  });
  await insertUsageLog(s.deps.core.db, {
    TokenID: tokenIds[1]!,
    CompanyID: null,
    TotalTokensUsed: 77,
    LoggedAt: new Date('2026-03-02T23:59:59Z'),
  });
});
afterAll(async () => {
  await s.stop();
});

const exportUrl = (query: Record<string, string>) =>
  `${s.url}/v1/usage/export?${new URLSearchParams({ from: FROM, to: TO, ...query })}`;

/** RFC 4180 reader for the test: quoted cells with doubled quotes and commas inside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('GET /v1/usage/export', () => {
  it('CSV and JSON totals equal the ledger and vw_UsageSummary, per company, key, branch, user and day', async () => {
    const csvRes = await fetch(exportUrl({ format: 'csv' }), { headers: s.admin });
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csvRes.headers.get('content-disposition')).toMatch(
      /attachment; filename="usage-2026-01-01-2100-01-01.csv"/,
    );
    const [header, ...lines] = parseCsv(await csvRes.text());
    expect(header).toEqual([
      'day',
      'company_id',
      'token_id',
      'key_hint',
      'branch',
      'requested_by',
      'requests',
      'input_tokens',
      'output_tokens',
      'thoughts_tokens',
      'cached_tokens',
      'total_tokens',
      'presumed_tokens',
    ]);
    const col = (name: string) => header!.indexOf(name);
    const json = (await (await fetch(exportUrl({ format: 'json' }), { headers: s.admin })).json()) as Array<
      Record<string, string | number>
    >;
    expect(json).toHaveLength(lines.length);

    const ledger =
      (await sumTokensUsed(s.deps.core.db, tokenIds[0]!)) +
      (await sumTokensUsed(s.deps.core.db, tokenIds[1]!));
    const csvTotal = lines.reduce((sum, l) => sum + Number(l[col('total_tokens')]), 0);
    const jsonTotal = json.reduce((sum, r) => sum + Number(r.totalTokens), 0);
    expect(csvTotal).toBe(ledger);
    expect(jsonTotal).toBe(ledger);
    expect(lines.reduce((sum, l) => sum + Number(l[col('presumed_tokens')]), 0)).toBe(9000);
    expect(lines.reduce((sum, l) => sum + Number(l[col('requests')]), 0)).toBe(6);

    const summary = (await (
      await fetch(`${s.url}/v1/monitoring/usage-summary`, { headers: s.admin })
    ).json()) as Array<{
      companyId: string;
      totalTokensUsed: number;
    }>;
    for (const company of ['EX1', 'EX2']) {
      const viewTotal = summary.find((r) => r.companyId === company)?.totalTokensUsed;
      const exported = json
        .filter((r) => r.companyId === company)
        .reduce((sum, r) => sum + Number(r.totalTokens), 0);
      expect(exported, company).toBe(viewTotal);
    }

    // The two extractions by amit at HQ today are one line; the presumed day is its own.
    const amitHq = json.filter((r) => r.requestedBy === 'amit' && r.branch === 'HQ');
    expect(amitHq.map((r) => [r.requests, r.presumedTokens])).toEqual([
      [1, 9000],
      [2, 0],
    ]);
    expect(json.find((r) => r.totalTokens === 77)).toMatchObject({ companyId: 'EX2', day: '2026-03-02' });
    expect(json[0]).toMatchObject({ keyHint: expect.stringMatching(/^AIza…/) });
    expect(JSON.stringify(json)).not.toContain(fakeKey('ex1'));

    // Formula guard and quoting: the cell reads back as text, never as a formula.
    const hostile = lines.find((l) => l[col('requested_by')]?.includes('cmd|calc'));
    expect(hostile?.[col('requested_by')]).toBe("'=cmd|calc");
    expect(hostile?.[col('branch')]).toBe('Pokhara, "East"');
  });

  it('one company only; a bad period or no admin key is an ordinary error answer', async () => {
    const one = (await (
      await fetch(exportUrl({ format: 'json', company: 'EX2' }), { headers: s.admin })
    ).json()) as Array<{
      companyId: string;
    }>;
    expect(one.length).toBeGreaterThan(0);
    expect(new Set(one.map((r) => r.companyId))).toEqual(new Set(['EX2']));

    const backwards = await fetch(exportUrl({ from: '2026-02-01', to: '2026-01-01' }), { headers: s.admin });
    expect(backwards.status).toBe(400);
    expect(await backwards.json()).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/from must be before to/),
    });
    const outOfRange = await fetch(exportUrl({ from: '1700-01-01' }), { headers: s.admin });
    expect(outOfRange.status).toBe(400);
    expect(await outOfRange.json()).toMatchObject({ message: expect.stringMatching(/1753/) });
    const noFormat = await fetch(exportUrl({ format: 'xlsx' }), { headers: s.admin });
    expect(noFormat.status).toBe(400);
    expect((await fetch(exportUrl({}))).status).toBe(401);
    const empty = await fetch(exportUrl({ from: '2020-01-01', to: '2020-01-02', format: 'json' }), {
      headers: s.admin,
    });
    expect(await empty.json()).toEqual([]);
  });

  it('streams a 20,000-line export: the first bytes come before the last page is read', async () => {
    const db = s.deps.core.db;
    const day = new Date('2026-06-01T12:00:00Z');
    const rows = Array.from({ length: 20_000 }, (_, i) => ({
      TokenID: tokenIds[0]!,
      CompanyID: 'BIG',
      Branch: 'HQ',
      RequestedBy: `user-${String(i).padStart(5, '0')}`,
      TotalTokensUsed: 10 + (i % 7),
      LoggedAt: day,
    }));
    for (let i = 0; i < rows.length; i += 500)
      await db.db
        .insertInto('TokenUsageLogs')
        .values(rows.slice(i, i + 500))
        .execute();
    const expected = rows.reduce((sum, r) => sum + r.TotalTokensUsed, 0);

    // In process, so no socket buffer reads ahead for the caller: only what it asks for is read.
    const app = createApp(s.deps);
    const started = performance.now();
    const res = await app.request(`/v1/usage/export?from=2026-06-01&to=2026-06-02&company=BIG`, {
      headers: s.admin,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    const firstMs = performance.now() - started;
    let text = decoder.decode(first.value, { stream: true });
    // A usage row written now, sorting after every other group: the export can only show it if
    // it reads its last page after it sent the first bytes.
    await insertUsageLog(db, {
      TokenID: tokenIds[0]!,
      CompanyID: 'BIG',
      Branch: 'HQ',
      RequestedBy: 'zz-late',
      TotalTokensUsed: 5,
      LoggedAt: day,
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const totalMs = performance.now() - started;
    const lines = parseCsv(text).slice(1);
    expect(lines).toHaveLength(20_001);
    expect(lines.at(-1)?.[5]).toBe('zz-late');
    expect(lines.reduce((sum, l) => sum + Number(l[11]), 0)).toBe(expected + 5);
    console.info(
      `usage export: 20,001 lines, first bytes after ${firstMs.toFixed(0)} ms, all after ${totalMs.toFixed(0)} ms`,
    );

    // Over a real socket too, read incrementally.
    const http = await fetch(
      `${s.url}/v1/usage/export?from=2026-06-01&to=2026-06-02&company=BIG&format=json`,
      {
        headers: s.admin,
      },
    );
    let size = 0;
    let chunks = 0;
    for await (const chunk of http.body!) {
      size += chunk.length;
      chunks += 1;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(size).toBeGreaterThan(20_000 * 100);
  });
});
