import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './gateway.ts';

// ocr-ops alerts add|list|test|deliveries|remove as an operator runs them: the CLI as a child
// process against a real gateway, delivering to a real receiver on loopback.
const ADMIN = 'cli-test-admin-key-alerts';
let gw: Gateway;
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let status = 200;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(status).end();
  });
});
let hook: string;

beforeAll(async () => {
  gw = await startGateway(ADMIN);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  for (const text of gw.outputs) expect(text).not.toContain(ADMIN);
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await gw.close();
});

describe('ocr-ops alerts', () => {
  let secret: string;
  // Outputs from here on are of runs after the one that showed the secret.
  let shownUpTo = 0;

  it('add refuses a private address with the reason, and takes it with --allow-private; the secret goes to stdout once', async () => {
    const refused = await gw.cli(['alerts', 'add', hook, '--events', 'budget_spent']);
    expect(refused.code).toBe(6);
    expect(refused.err).toContain('ALERT_URL_REFUSED');
    expect(refused.err).toContain('resolves to 127.0.0.1');
    expect(refused.err).toContain('allowPrivate');
    const bad = await gw.cli(['alerts', 'add', hook, '--events', 'nope', '--allow-private']);
    expect(bad.code).toBe(6);
    expect(bad.err).toContain('Unknown alert event nope');
    const added = await gw.cli([
      'alerts',
      'add',
      hook,
      '--events',
      'budget_spent,key_rejected',
      '--allow-private',
      '--label',
      'pager',
    ]);
    expect(added.code, added.err).toBe(0);
    secret = added.out.trim();
    shownUpTo = gw.outputs.length;
    expect(secret).toMatch(/^whsec_/);
    expect(added.err).toContain('Subscribed');
    const list = await gw.cli(['alerts', 'list']);
    expect(list.out).toMatch(/budget_spent,key_rejected\s+whsec_…/);
    expect(list.out).toContain('allowed');
    expect(list.out).not.toContain(secret);
  });

  it('test reports the receiver answer; a failing receiver exits 6; deliveries shows both', async () => {
    const ok = await gw.cli(['alerts', 'test', '1']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^Test alert \d+: delivered \(HTTP 200\)/);
    expect(received.at(-1)?.headers['x-igw-event']).toBe('test');
    status = 500;
    const failed = await gw.cli(['alerts', 'test', '1']);
    expect(failed.code).toBe(6);
    expect(failed.out).toContain('retry (HTTP 500): HTTP 500');
    expect(failed.err).toContain('the receiver did not accept the test alert');
    status = 200;
    const log = await gw.cli(['--json', 'alerts', 'deliveries', '--subscription', '1']);
    const rows = JSON.parse(log.out) as Array<{ statusCode: number; eventType: string }>;
    expect(rows.slice(0, 2).map((r) => r.statusCode)).toEqual([500, 200]);
    expect((await gw.cli(['alerts', 'deliveries', '--limit', '0'])).code).toBe(2);
    for (const text of gw.outputs.slice(shownUpTo)) expect(text).not.toContain(secret);
  });

  it('remove, then the id is not found (exit 5)', async () => {
    const removed = await gw.cli(['alerts', 'remove', '1']);
    expect(removed.code, removed.err).toBe(0);
    expect(removed.out).toContain('Removed alert subscription 1');
    const again = await gw.cli(['alerts', 'remove', '1']);
    expect(again.code).toBe(5);
    expect(again.err).toContain('ALERT_SUBSCRIPTION_NOT_FOUND');
    expect((await gw.cli(['alerts', 'remove', 'x'])).code).toBe(2);
  });
});
