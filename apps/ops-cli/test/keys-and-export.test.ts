import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { insertUsageLog, sumTokensUsed } from '@invoicegw/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './gateway.ts';

// tokens add/rotate/verify against the emulator's view of each key, and usage export, as an
// operator runs them: the CLI as a child process against a real gateway.
const ADMIN = 'cli-test-admin-key-keys-and-export';
const key = (label: string) => `AIzaFAKE-cli-${label}-${'x'.repeat(Math.max(0, 22 - label.length))}`;
const GOOD = key('good');
const BAD = key('bad');
const REVOKED = key('revoked');
const SPENT = key('spent');
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(ADMIN);
});
afterAll(async () => {
  // No run printed any key.
  for (const text of gw.outputs)
    for (const k of [GOOD, BAD, REVOKED, SPENT, ADMIN]) expect(text).not.toContain(k);
  await gw.close();
});

describe('ocr-ops tokens add/rotate/verify: keys checked with Gemini', () => {
  let goodId: number;

  it('refuses a key Gemini rejects at add, with its reason; --force admits it and the audit says so', async () => {
    gw.emulator.setKeyState(BAD, 'invalid');
    const refused = await gw.cli(['tokens', 'add', '--company', 'CLI1'], { stdin: BAD });
    expect(refused.code).toBe(6);
    expect(refused.err).toMatch(
      /KEY_REJECTED_BY_PROVIDER: The key was not added: the provider rejected the key \(API_KEY_INVALID: API key not valid/,
    );
    expect(refused.err).toContain('--force');

    const forced = await gw.cli(
      ['--json', 'tokens', 'add', '--company', 'CLI1', '--force', '--reason', 'test'],
      {
        stdin: BAD,
      },
    );
    expect(forced.code).toBe(0);
    const view = JSON.parse(forced.out) as { tokenId: number; warnings?: string[] };
    expect(view.warnings?.join(' ')).toMatch(/Admitted although the provider rejected the key/);
    const audit = await gw.cli(['--json', 'tokens', 'audit', '--token', String(view.tokenId)]);
    expect(JSON.parse(audit.out)[0]).toMatchObject({
      action: 'token.add',
      actor: 'cli-test',
      after: { verification: { state: 'rejected', forced: true } },
    });
  });

  it('refuses a rejected key at rotate and keeps the old key serving', async () => {
    const added = await gw.cli(['--json', 'tokens', 'add', '--company', 'CLI2'], { stdin: GOOD });
    expect(added.code).toBe(0);
    goodId = (JSON.parse(added.out) as { tokenId: number }).tokenId;
    gw.emulator.setKeyState(REVOKED, 'revoked');
    const refused = await gw.cli(['tokens', 'rotate', String(goodId)], { stdin: REVOKED });
    expect(refused.code).toBe(6);
    expect(refused.err).toMatch(/not rotated in: the provider rejected the key \(CONSUMER_SUSPENDED/);
    const shown = await gw.cli(['--json', 'tokens', 'show', String(goodId)]);
    expect(JSON.parse(shown.out)).toMatchObject({ status: 'Active', retiresAt: null });
  });

  it('verify reports each key (ok, rejected, quota) and exits 8 when one does not pass; show names the last check', async () => {
    const spent = await gw.cli(['--json', 'tokens', 'add', '--company', 'CLI2'], { stdin: SPENT });
    const spentId = (JSON.parse(spent.out) as { tokenId: number }).tokenId;
    gw.emulator.setKeyState(SPENT, 'daily_quota');
    const ok = await gw.cli(['tokens', 'verify', '--company', 'CLI2']);
    // ok and quota pass: quota is a valid key with its quota spent.
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(new RegExp(`${goodId}\\s+CLI2\\s+AIza\\S+\\s+Active\\s+ok\\s+OK`));
    expect(ok.out).toMatch(
      new RegExp(`${spentId}\\s+CLI2\\s+AIza\\S+\\s+Active\\s+quota\\s+DAILY_QUOTA_EXHAUSTED`),
    );

    const all = await gw.cli(['tokens', 'verify']);
    expect(all.code).toBe(8);
    expect(all.out).toMatch(/rejected\s+API_KEY_INVALID/);
    expect(all.err).toMatch(/1 of 3 key\(s\) did not pass: \d+ rejected \(API_KEY_INVALID\)/);

    const show = await gw.cli(['tokens', 'show', String(spentId)]);
    expect(show.out).toMatch(/Last verified: \S+ quota DAILY_QUOTA_EXHAUSTED/);
    const one = await gw.cli(['--json', 'tokens', 'verify', String(goodId)]);
    expect(JSON.parse(one.out)).toEqual([
      expect.objectContaining({ tokenId: goodId, check: expect.objectContaining({ state: 'ok' }) }),
    ]);
  });
});

describe('ocr-ops usage export', () => {
  it('streams CSV to stdout and JSON to a file whose totals equal the ledger; never clobbers', async () => {
    const db = gw.server.deps.core.db;
    const list = JSON.parse((await gw.cli(['--json', 'tokens', 'list', '--company', 'CLI2'])).out) as Array<{
      tokenId: number;
    }>;
    const tokenId = list[0]!.tokenId;
    for (let i = 0; i < 30; i++)
      await insertUsageLog(db, {
        TokenID: tokenId,
        CompanyID: 'CLI2',
        Branch: i % 2 ? 'HQ' : '@branch',
        RequestedBy: `u${i % 3}`,
        TotalTokensUsed: 100 + i,
        PresumedTokens: i === 7 ? 107 : 0,
        LoggedAt: new Date(Date.UTC(2026, 10, 1 + (i % 5), 12)),
      });
    const ledger = await sumTokensUsed(db, tokenId);

    const csv = await gw.cli([
      'usage',
      'export',
      '--from',
      '2026-11-01',
      '--to',
      '2026-12-01',
      '--company',
      'CLI2',
    ]);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.out.trimEnd().split('\r\n');
    expect(header).toBe(
      'day,company_id,token_id,key_hint,branch,requested_by,requests,input_tokens,output_tokens,thoughts_tokens,cached_tokens,total_tokens,presumed_tokens',
    );
    expect(rows.reduce((s, r) => s + Number(r.split(',')[11]), 0)).toBe(ledger);
    expect(rows.some((r) => r.includes(",'@branch,"))).toBe(true);

    const out = join(gw.dir, 'usage.json');
    const json = await gw.cli([
      'usage',
      'export',
      '--from',
      '2026-11-01',
      '--to',
      '2026-12-01',
      '--format',
      'json',
      '--company',
      'CLI2',
      '--out',
      out,
    ]);
    expect(json.code).toBe(0);
    expect(json.err).toContain(`Wrote ${out}`);
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as Array<{
      totalTokens: number;
      presumedTokens: number;
    }>;
    expect(parsed.reduce((s, r) => s + r.totalTokens, 0)).toBe(ledger);
    expect(parsed.reduce((s, r) => s + r.presumedTokens, 0)).toBe(107);
    expect(existsSync(`${out}.partial`)).toBe(false);

    writeFileSync(out, 'keep me');
    const again = await gw.cli(['usage', 'export', '--from', '2026-11-01', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists; use --overwrite/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');

    const backwards = await gw.cli(['usage', 'export', '--from', '2026-12-01', '--to', '2026-11-01']);
    expect(backwards.code).toBe(6);
    expect(backwards.err).toMatch(/INVALID_INPUT: from must be before to/);
    // The parent command still works as before.
    const report = await gw.cli([
      '--json',
      'usage',
      '--by',
      'company',
      '--company',
      'CLI2',
      '--from',
      '2026-11-01',
      '--to',
      '2026-12-01',
    ]);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.out)[0]).toMatchObject({ key: 'CLI2', totalTokens: ledger });
  });
});
