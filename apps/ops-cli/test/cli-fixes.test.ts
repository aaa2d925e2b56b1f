import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, blankPdf, type CliOptions, type Gateway, startGateway, tinyPng } from './gateway.ts';

// The defects operators reported, each reproduced against a real gateway with the CLI as a child process.

const ADMIN = 'cli-fixes-admin-key';
const KEY = 'AIzaFAKE-fixes-first-key-xxxxxxxx';
const NEW_KEY = 'AIzaFAKE-fixes-rotated-key-xxxxxx';
/** Where any ANSI colour code starts. */
const ESC = '\u001b[';

let gateway: Gateway;
let dir: string;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
  dir = gateway.dir;
  const added = await cli(['tokens', 'add', '--company', 'NT047', '--limit', '1000000'], { stdin: KEY });
  expect(added.code, added.err).toBe(0);
});
afterAll(async () => {
  await gateway.close();
  const all = gateway.outputs.join('\n');
  for (const secret of [KEY, NEW_KEY, ADMIN]) expect(all).not.toContain(secret);
});

const cli = (args: string[], options: CliOptions = {}) => gateway.cli(args, options);

/** `ocr-ops … | head -1` in bash with pipefail: the pipeline's status is the CLI's. */
function pipedToHead(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('bash', ['-o', 'pipefail', '-c', `${quoted} | head -1`], {
      env: gateway.env(),
      cwd: dir,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      gateway.outputs.push(out, err);
      resolve({ code, out, err });
    });
  });
}

function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('ocr-ops: reported defects, fixed', () => {
  it('--version prints the version; every command shows examples; cache and clients have help text', async () => {
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(version.out.trim()).toBe(pkg.version);
    const cache = await cli(['cache', '--help']);
    expect(cache.code).toBe(0);
    expect(cache.out).toMatch(/status\s+entries, hits, misses/);
    expect(cache.out).toContain('Examples:\n  $ ocr-ops cache status');
    const clients = await cli(['clients', 'create', '--help']);
    expect(clients.out).toContain('printed once');
    expect(clients.out).toContain('Examples:');
  });

  it('output piped into head ends quietly with 0 (no EPIPE stack)', async () => {
    for (let i = 0; i < 300; i++)
      gateway.server.deps.core.logger.log('INFO', 'test', `filler ${i} ${'x'.repeat(200)}`);
    await gateway.server.deps.logSink.flush();
    const sql = await pipedToHead(['db', 'setup', '--print-sql']);
    expect(sql.code, sql.err).toBe(0);
    expect(sql.err).toBe('');
    expect(sql.out.split('\n')[0]).toContain('GENERATED FILE');
    const logs = await pipedToHead(['logs', '--limit', '200', '--json']);
    expect(logs.code, logs.err).toBe(0);
    expect(logs.err).toBe('');
    expect(logs.out.trim()).toBe('[');
  });

  it('a validation error lists each field refused', async () => {
    const r = await cli(['logs', '--limit', '5000', '--search', 'y'.repeat(300)]);
    expect(r.code).toBe(6);
    expect(r.err).toContain('VALIDATION_ERROR: Invalid input\n');
    expect(r.err).toMatch(/\n {2}limit: .*1000/);
    expect(r.err).toMatch(/\n {2}search: .*200/);
  });

  it('usage takes relative dates and refuses what it cannot read as a usage error', async () => {
    for (const range of [
      ['--from', 'yesterday', '--to', 'today'],
      ['--from', '7d', '--to', 'now'],
      ['--from', '2026-01-01', '--to', '2099-01-01T00:00:00Z'],
    ]) {
      const r = await cli(['usage', ...range, '--json']);
      expect(r.code, `${range.join(' ')}: ${r.err}`).toBe(0);
      expect(Array.isArray(JSON.parse(r.out))).toBe(true);
    }
    for (const bad of ['tomorrow', '2026-02-31']) {
      const r = await cli(['usage', '--from', bad]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--from: cannot read "${bad}"`);
      expect(r.err).not.toContain('Invalid time value');
    }
  });

  it('extract --out names results after the whole file name and never overwrites one', async () => {
    const inbox = join(dir, 'out-inbox');
    mkdirSync(join(inbox, 'more'), { recursive: true });
    writeFileSync(join(inbox, 'inv-1.pdf'), renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'OUT-1' }));
    writeFileSync(join(inbox, 'inv-1.png'), tinyPng());
    writeFileSync(
      join(inbox, 'more', 'inv-1.pdf'),
      renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'OUT-2' }),
    );
    const out = join(dir, 'out-results');
    const args = ['extract', inbox, join(inbox, 'more'), '--company', 'NT047', '--out', out];
    const first = await cli(args);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('3 of 3 extracted');
    expect(readdirSync(out).sort()).toEqual(['inv-1.pdf.2.json', 'inv-1.pdf.json', 'inv-1.png.json']);
    expect(JSON.parse(readFileSync(join(out, 'inv-1.pdf.json'), 'utf8')).data.invoice_no).toBe('OUT-1');
    expect(JSON.parse(readFileSync(join(out, 'inv-1.pdf.2.json'), 'utf8')).data.invoice_no).toBe('OUT-2');
    // Again into the same folder: refused before anything is sent, the results untouched.
    const before = readFileSync(join(out, 'inv-1.pdf.json'), 'utf8');
    const again = await cli(args);
    expect(again.code).toBe(2);
    expect(again.err).toContain('--overwrite');
    expect(readFileSync(join(out, 'inv-1.pdf.json'), 'utf8')).toBe(before);
    expect((await cli([...args, '--overwrite'])).code).toBe(0);
  });

  it('a batch for an unknown company stops after the first file with exit 6', async () => {
    const inbox = join(dir, 'nope-inbox');
    mkdirSync(inbox, { recursive: true });
    for (let n = 1; n <= 8; n++)
      writeFileSync(join(inbox, `inv-${n}.pdf`), renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `N-${n}` }));
    const r = await cli(['--json', 'extract', join(inbox, '*.pdf'), '--company', 'NOPE']);
    expect(r.code).toBe(6);
    const summary = JSON.parse(r.out) as {
      failed: number;
      skipped: number;
      outcomes: Array<{ status: string; error: string }>;
    };
    expect(summary.failed).toBe(1);
    expect(summary.skipped).toBe(7);
    expect(summary.outcomes[0]!.error).toContain('NO_ACTIVE_TOKEN');
    expect(r.err).toContain('Stopped after 1 of 8 file(s)');
    // A key the gateway refuses (401) ends the batch the same way, as an auth failure.
    const refused = await cli(['extract', join(inbox, '*.pdf'), '--company', 'NT047'], {
      env: { OCR_OPS_ADMIN_KEY: 'not-the-admin-key' },
    });
    expect(refused.code).toBe(4);
    expect(refused.err).toContain('Stopped after 1 of 8');
  });

  it('a blank invoice is reported as a warning, and counted', async () => {
    const inbox = join(dir, 'blank-inbox');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, 'blank.pdf'), blankPdf());
    writeFileSync(join(inbox, 'inv.pdf'), renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'BL-1' }));
    const r = await cli(['extract', inbox, '--company', 'NT047']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/blank\.pdf\s+ok\s+0\s+\d+\s+1/);
    expect(r.out).toContain('blank.pdf: blank invoice: no fields read');
    expect(r.out).toContain('2 of 2 extracted, 1 blank');
    const json = await cli(['--json', 'extract', join(inbox, 'blank.pdf'), '--company', 'NT047']);
    expect(JSON.parse(json.out)).toMatchObject({
      blank: 1,
      outcomes: [{ warnings: 1, warningMessages: ['blank invoice: no fields read'] }],
    });
  });

  it('colour on a forced terminal only, never with NO_COLOR, --no-color, a pipe or --json', async () => {
    const forced = await cli(['tokens', 'list'], { env: { FORCE_COLOR: '1' } });
    expect(forced.out).toContain(ESC);
    expect(forced.out).toContain('\u001b[32mActive\u001b[39m');
    for (const options of [
      { env: { FORCE_COLOR: '1', NO_COLOR: '1' } },
      { env: { FORCE_COLOR: '1' }, args: ['--no-color'] },
      { env: {} },
      { env: { FORCE_COLOR: '1' }, args: ['--json'] },
    ]) {
      const r = await cli([...(options.args ?? []), 'tokens', 'list'], { env: options.env });
      expect(r.code).toBe(0);
      expect(r.out).not.toContain(ESC);
    }
    const refused = await cli(['tokens', 'list', '--status', 'Nope'], {
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(refused.err).not.toContain(ESC);
  });

  it('the audit trail reads as field: before → after', async () => {
    await cli(['tokens', 'set-limit', '1', '2000000', '--reason', 'contract']);
    await cli(['tokens', 'disable', '1']);
    await cli(['tokens', 'enable', '1']);
    const r = await cli(['tokens', 'audit', '--token', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('totalTokenLimit: 1000000 → 2000000');
    expect(r.out).toContain('status: Active → Disabled');
    expect(r.out).toContain('status: Disabled → Active');
    expect(r.out).toMatch(/token\.add .*companyId: NT047, keyHint: AIza…xxx, status: Active/);
    expect(r.out).not.toContain('{"');
  });

  it('rotation state in tokens list and show; usage by key shows the key hint', async () => {
    const rotated = await cli(['tokens', 'rotate', '1', '--grace', '3600'], { stdin: NEW_KEY });
    expect(rotated.code, rotated.err).toBe(0);
    const list = await cli(['tokens', 'list', '--company', 'NT047']);
    expect(list.out).toMatch(/^1\s+NT047\s+AIza…xxx\s+Active\s.*retires \d{4}-\d\d-\d\dT[\d:.]+Z → 2$/m);
    expect(list.out).toMatch(/^2\s+NT047\s.*replaces 1$/m);
    expect((await cli(['tokens', 'show', '1'])).out).toMatch(/retires .* → 2/);
    const usage = await cli(['usage', '--by', 'key']);
    expect(usage.code, usage.err).toBe(0);
    expect(usage.out).toMatch(/^token\s+company\s+key\s+requests/);
    expect(usage.out).toMatch(/^1\s+NT047\s+AIza…xxx\s+\d+/m);
    const json = JSON.parse((await cli(['--json', 'usage', '--by', 'key'])).out) as Array<
      Record<string, unknown>
    >;
    expect(json[0]).toMatchObject({ tokenId: 1, keyHint: 'AIza…xxx', companyId: 'NT047' });
  });

  it('the admin key is found in ./data/admin.key; a 401 says how to give it', async () => {
    const none = await cli(['tokens', 'list'], { env: { OCR_OPS_ADMIN_KEY: '' } });
    expect(none.code).toBe(4);
    expect(none.err).toContain('OCR_OPS_ADMIN_KEY');
    expect(none.err).toContain('No admin key was given');
    const wrong = await cli(['tokens', 'list'], { env: { OCR_OPS_ADMIN_KEY: 'not-the-admin-key' } });
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain('The admin key from OCR_OPS_ADMIN_KEY was refused');
    const devDir = join(dir, 'dev-checkout');
    mkdirSync(join(devDir, 'data'), { recursive: true });
    writeFileSync(join(devDir, 'data', 'admin.key'), `${ADMIN}\n`, { mode: 0o600 });
    const found = await cli(['tokens', 'list'], { env: { OCR_OPS_ADMIN_KEY: '' }, cwd: devDir });
    expect(found.code, found.err).toBe(0);
    expect(found.err).toBe('');
    expect(found.out).toContain('NT047');
    // The variable still wins over the file.
    const variable = await cli(['tokens', 'list'], {
      env: { OCR_OPS_ADMIN_KEY: 'not-the-admin-key' },
      cwd: devDir,
    });
    expect(variable.code).toBe(4);
  });

  it('logs --follow hides its own polls, rides out failed polls with a warning, and stops on Ctrl-C', async () => {
    // A gateway that can go away: a proxy in front of the real one.
    let down = false;
    const target = new URL(gateway.server.url);
    const proxy: Server = createServer((req, res) => {
      if (down) return req.socket.destroy();
      const upstream = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const child = spawn(process.execPath, [BIN, 'logs', '--follow', '--interval', '0.2', '--limit', '1'], {
      env: gateway.env({ OCR_OPS_URL: url }),
      cwd: dir,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    try {
      const log = gateway.server.deps.core.logger;
      log.log('INFO', 'test', 'follow-one arrives');
      await gateway.server.deps.logSink.flush();
      await waitFor(() => out.includes('follow-one arrives'), 'the first marker');
      down = true;
      await waitFor(() => err.includes('poll failed'), 'the warning');
      down = false;
      log.log('INFO', 'test', 'follow-two arrives');
      await gateway.server.deps.logSink.flush();
      await waitFor(() => out.includes('follow-two arrives'), 'the marker after the outage', 40_000);
      expect(err).toContain('following again');
      // Each warning is one line on stderr, none on stdout.
      expect(
        err
          .split('\n')
          .filter((l) => l.includes('poll failed'))
          .every((l) => l.startsWith('ocr-ops: warning:')),
      ).toBe(true);
      // Its own polls never show, though the gateway logs each one.
      await new Promise((r) => setTimeout(r, 800));
      await gateway.server.deps.logSink.flush();
      await new Promise((r) => setTimeout(r, 600));
      expect(out).not.toContain('/trpc/monitoring.logs');
      child.kill('SIGINT');
      const end = await exited;
      expect(end.code === 130 || end.signal === 'SIGINT' || end.code === 0).toBe(true);
    } finally {
      child.kill('SIGKILL');
      gateway.outputs.push(out, err);
      await new Promise((resolve) => proxy.close(resolve));
      proxy.closeAllConnections();
    }
  });

  it('tokens add prompts for the key on a terminal without echoing it (script(1) gives it a real pty)', async () => {
    if (!existsSync('/usr/bin/script')) return;
    const typed = 'AIzaFAKE-fixes-typed-at-prompt-xxx';
    const child = spawn(
      'script',
      ['-qfec', `'${process.execPath}' '${BIN}' tokens add --company PTY01 --name typed`, '/dev/null'],
      { env: gateway.env(), cwd: dir },
    );
    let out = '';
    let sent = false;
    const collect = (d: Buffer) => {
      out += d;
      if (!sent && out.includes('(input hidden): ')) {
        sent = true;
        child.stdin.write(`${typed}\r`);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    gateway.outputs.push(out);
    expect(out).toContain('Gemini API key for PTY01 (input hidden): ');
    expect(code, out).toBe(0);
    expect(out).toContain('Added token');
    expect(out).not.toContain(typed);
    expect(out).not.toContain('typed-at-prompt');
  });
});
