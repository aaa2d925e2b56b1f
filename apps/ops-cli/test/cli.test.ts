import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliOptions, type Gateway, startGateway } from './gateway.ts';

const ADMIN = 'cli-suite-admin-key';
const KEY = 'AIzaFAKE-cli-first-key-xxxxxxxxx';
const NEW_KEY = 'AIzaFAKE-cli-rotated-key-xxxxxxx';

let gateway: Gateway;
let server: Gateway['server'];
let dir: string;
let outputs: string[];

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
  ({ server, dir, outputs } = gateway);
});
afterAll(async () => {
  await gateway.close();
  // Nothing the CLI printed, in any command, holds a key.
  const all = outputs.join('\n');
  for (const secret of [KEY, NEW_KEY, ADMIN]) expect(all).not.toContain(secret);
});

/** The CLI as a real child process. */
const cli = (args: string[], options: CliOptions = {}) => gateway.cli(args, options);

describe('ocr-ops against a real gateway on loopback', () => {
  it('health', async () => {
    const r = await cli(['health']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/^active \(version 0\.1\.0, database sqlite reachable\)/);
  });

  it('tokens add reads the key from stdin or a file, never from the command line', async () => {
    const added = await cli(
      [
        'tokens',
        'add',
        '--company',
        'NT047',
        '--name',
        'RUBI TRADERS',
        '--limit',
        '100000',
        '--reason',
        'onboarding',
      ],
      { stdin: `${KEY}\n` },
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain('Added token 1 for NT047');
    expect(added.out).toContain('AIza…xxx');
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, 'AIzaFAKE-cli-second-key-xxxxxxxx');
    const second = await cli(['tokens', 'add', '--company', 'AB001', '--key-file', keyFile, '--json']);
    expect(JSON.parse(second.out)).toMatchObject({ tokenId: 2, companyId: 'AB001', keyHint: 'AIza…xxx' });
    const none = await cli(['tokens', 'add', '--company', 'X'], { stdin: '' });
    expect(none.code).toBe(2);
    const dup = await cli(['tokens', 'add', '--company', 'NT047'], { stdin: KEY });
    expect(dup.code).toBe(6);
    expect(dup.err).toContain('DUPLICATE_KEY');
  });

  it('tokens list, show, set-limit, set-expiry, disable, enable, audit', async () => {
    expect((await cli(['tokens', 'list'])).out).toMatch(/NT047\s+AIza…xxx\s+Active\s+OK\s+100000/);
    expect((await cli(['tokens', 'show', '1'])).out).toContain('[....................] 0%');
    expect((await cli(['tokens', 'set-limit', '1', '200000', '--threshold', '500'])).out).toContain('200000');
    expect((await cli(['tokens', 'set-expiry', '1', '2030-01-01'])).out).toContain(
      '2030-01-01T00:00:00.000Z',
    );
    expect((await cli(['tokens', 'set-expiry', '1', 'none'])).code).toBe(0);
    expect((await cli(['tokens', 'disable', '1', '--reason', 'audit check'])).out).toContain('Disabled');
    expect((await cli(['tokens', 'enable', '1'])).out).toContain('Active');
    const audit = await cli(['tokens', 'audit', '--token', '1', '--json']);
    expect((JSON.parse(audit.out) as Array<{ action: string; actor: string }>).map((a) => a.action)).toEqual([
      'token.status',
      'token.status',
      'token.expiry',
      'token.expiry',
      'token.limit',
      'token.add',
    ]);
    expect(audit.out).toContain('cli-test');
    expect((await cli(['tokens', 'show', '99'])).code).toBe(5);
    expect((await cli(['tokens', 'show', 'abc'])).code).toBe(2);
  });

  it('extract: files and patterns with concurrency, a summary, --out; bad files and unknown companies are reported', async () => {
    const inbox = join(dir, 'inbox');
    const out = join(dir, 'out');
    rmSync(inbox, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(inbox));
    for (const n of [1, 2, 3])
      writeFileSync(
        join(inbox, `inv-${n}.pdf`),
        renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `CLI-${n}` }),
      );
    const ok = await cli([
      'extract',
      join(inbox, '*.pdf'),
      '--company',
      'NT047',
      '--user',
      'ops',
      '--concurrency',
      '2',
      '--out',
      out,
    ]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/inv-1\.pdf\s+ok\s+CLI-1/);
    expect(ok.out).toContain('3 of 3 extracted');
    expect(readdirSync(out).sort()).toEqual(['inv-1.pdf.json', 'inv-2.pdf.json', 'inv-3.pdf.json']);
    expect(JSON.parse(readFileSync(join(out, 'inv-2.pdf.json'), 'utf8')).data.invoice_no).toBe('CLI-2');

    writeFileSync(join(inbox, 'notes.pdf'), 'not a pdf at all');
    const bad = await cli([
      'extract',
      join(inbox, 'notes.pdf'),
      join(inbox, 'inv-1.pdf'),
      '--company',
      'NT047',
    ]);
    expect(bad.code).toBe(7);
    expect(bad.out).toMatch(/notes\.pdf\s+failed.*UNSUPPORTED_FILE_TYPE/);
    const unknown = await cli(['extract', join(inbox, 'inv-1.pdf'), '--company', 'NOBODY', '--json']);
    // No file of a batch can escape an unknown company: refused (6), not "some files failed" (7).
    expect(unknown.code).toBe(6);
    expect(JSON.parse(unknown.out).outcomes[0].error).toContain('NO_ACTIVE_TOKEN');
    expect((await cli(['extract', join(inbox, 'nothing-*.pdf'), '--company', 'NT047'])).code).toBe(2);
  });

  it('status, usage, errors, retries, logs, cache', async () => {
    expect((await cli(['status'])).out).toMatch(/NT047\s+AIza…xxx\s+OK\s+\[/);
    for (const by of ['company', 'key', 'branch', 'user', 'day']) {
      const r = await cli(['usage', '--by', by, '--json']);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as unknown[]).length).toBeGreaterThan(0);
    }
    expect((await cli(['usage', '--by', 'planet'])).code).toBe(2);
    expect((await cli(['errors'])).code).toBe(0);
    expect((await cli(['retries'])).out).toContain('Requests that gave up');
    await server.deps.logSink.flush();
    const logs = await cli(['logs', '--level', 'INFO', '--limit', '5']);
    expect(logs.out.trim().split('\n')).toHaveLength(5);
    expect((await cli(['logs', '--level', 'LOUD'])).code).toBe(2);
    expect((await cli(['cache', 'status'])).out).toContain('entries');
    expect((await cli(['cache', 'invalidate'])).out).toContain('Cache invalidated');
  });

  it('logs --follow prints new rows as they arrive', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'logs', '--follow', '--interval', '0.2', '--search', 'follow-marker'],
      {
        env: gateway.env(),
        cwd: dir,
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    await new Promise((r) => setTimeout(r, 1200));
    server.deps.core.logger.log('INFO', 'test', 'follow-marker arrives');
    await server.deps.logSink.flush();
    const deadline = Date.now() + 10_000;
    while (!out.includes('follow-marker arrives') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    outputs.push(out);
    expect(out).toContain('follow-marker arrives');
  });

  it('tokens rotate (stdin key), remove, encrypt-legacy; clients create, list, revoke', async () => {
    const rotated = await cli(['tokens', 'rotate', '1', '--grace', '60', '--reason', 'weekly'], {
      stdin: NEW_KEY,
    });
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out).toContain('Rotated token 1 to 3');
    const again = await cli(['tokens', 'rotate', '1', '--grace', '60'], { stdin: NEW_KEY });
    expect(again.out).toContain('Already rotated: nothing changed.');
    expect((await cli(['tokens', 'remove', '2', '--reason', 'leaked'])).out).toContain('Removed.');
    expect((await cli(['tokens', 'encrypt-legacy'])).out).toContain('Encrypted 0 legacy key(s)');
    const created = await cli(['clients', 'create', '--company', 'NT047', '--label', 'ERP']);
    const clientKey = created.out.trim();
    expect(clientKey).toMatch(/^igw_ck_/);
    const listed = await cli(['clients', 'list']);
    expect(listed.out).toContain('ERP');
    expect(listed.out).not.toContain(clientKey);
    expect((await cli(['clients', 'revoke', '1'])).out).toContain('Revoked client key 1');
    outputs.splice(outputs.indexOf(created.out), 1);
  });

  it('db setup creates or upgrades a schema without the gateway, and prints the T-SQL script', async () => {
    const url = `sqlite:${join(dir, 'fresh.sqlite')}`;
    const first = await cli(['db', 'setup', '--database-url', url]);
    expect(first.out).toContain(
      'Applied 0001-baseline, 0002-client-keys, 0003-upgrade-fixes, 0004-shared-cache, 0005-presumed-charges, 0006-budget-windows, 0007-alert-outbox, 0008-key-verification, 0009-retention',
    );
    expect((await cli(['db', 'setup', '--database-url', url])).out).toContain('already current');
    const sql = await cli(['db', 'setup', '--print-sql']);
    expect(sql.out).toContain('create table "dbo"."TokenMaster"');
    expect(
      (await cli(['db', 'setup', '--database-url', 'mssql://sa:cli-db-secret@db.example:99999/x'])).err,
    ).not.toContain('cli-db-secret');
  });

  it('error paths: server down, wrong admin key, bad usage', async () => {
    const down = await cli(['tokens', 'list'], { env: { OCR_OPS_URL: 'http://127.0.0.1:9' } });
    expect(down.code).toBe(3);
    expect(down.err).toContain('Cannot reach the gateway at http://127.0.0.1:9');
    const wrong = await cli(['tokens', 'list'], { env: { OCR_OPS_ADMIN_KEY: 'not-the-admin-key' } });
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain('UNAUTHORIZED');
    expect((await cli(['status'], { env: { OCR_OPS_ADMIN_KEY: '' } })).code).toBe(4);
    expect((await cli(['no-such-command'])).code).toBe(2);
    const config = join(dir, 'ocr-ops.json');
    writeFileSync(config, JSON.stringify({ url: server.url, adminKey: ADMIN }));
    expect(
      (await cli(['--config', config, 'health'], { env: { OCR_OPS_URL: '', OCR_OPS_ADMIN_KEY: '' } })).code,
    ).toBe(0);
  });
});
