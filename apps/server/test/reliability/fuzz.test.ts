import { Agent, request } from 'node:http';
import { DEMO_INVOICE, renderInvoicePdf, seededRandom } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, fakeKey, startTestServer, type TestServer } from '../helpers.ts';

// 10,000 hostile requests (RELIABILITY_SCALE multiplies): random fields, sizes, encodings,
// truncated bodies, wrong types, injection strings. Zero 5xx, and the server is still healthy.
const COUNT = 10_000 * Number(process.env.RELIABILITY_SCALE ?? 1);
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ CACHE_MAX_ENTRIES: '100', COMPANY_CONCURRENCY: '1000' });
  await fetch(`${s.url}/v1/tokens`, {
    method: 'POST',
    headers: { ...s.admin, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('fuzz'), totalTokenLimit: 2_000_000_000 }),
  });
});
afterAll(async () => {
  await s.stop();
});

const random = seededRandom(20261128);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const PDF = renderInvoicePdf(DEMO_INVOICE);
const STRINGS = [
  'NT047',
  '',
  ' ',
  "'; DROP TABLE TokenMaster; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\u0000\u0001\u0002',
  '🧾💸',
  'x'.repeat(5000),
  'ñandú',
  '{"$ne":null}',
  '${jndi:ldap://127.0.0.1/a}',
  '-1',
  'NaN',
  'null',
  '1e309',
];
const FILES = [
  () => PDF,
  () => PDF.subarray(0, Math.floor(random() * PDF.length)),
  () => Buffer.alloc(0),
  () => Buffer.from(Array.from({ length: Math.floor(random() * 4096) }, () => Math.floor(random() * 256))),
  () => Buffer.from('89504e470d0a1a0a', 'hex'),
  () => Buffer.from('%PDF-1.7\n/Encrypt 1 0 R\n%%EOF'),
  () => Buffer.from(pick(STRINGS)),
];

function multipart(boundary: string): Buffer {
  const parts: Buffer[] = [];
  const names = [
    'companyID',
    'companyId',
    'username',
    'branch',
    'Division',
    'extractFromLink',
    'pdf_url',
    'idempotencyKey',
    'company_id',
    pick(STRINGS),
  ];
  for (const name of names)
    if (random() < 0.5)
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${pick(STRINGS)}\r\n`,
        ),
      );
  if (random() < 0.85) {
    const type = pick([
      'application/pdf',
      'image/png',
      'text/plain',
      'application/octet-stream',
      '',
      'image/jpeg; charset=utf-8',
    ]);
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${pick(['a.pdf', '', 'x"y.pdf', '..\\..\\z'])}"\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`,
      ),
    );
    parts.push(pick(FILES)(), Buffer.from('\r\n'));
  }
  if (random() < 0.9) parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

interface Shot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Send only part of the body, then drop the connection. */
  truncateAt?: number;
}

function nextShot(): Shot {
  const boundary = `----fuzz${Math.floor(random() * 1e9)}`;
  const auth: Record<string, string> =
    random() < 0.5 ? { authorization: `Bearer ${pick([ADMIN, 'wrong', ''])}` } : {};
  const kind = Math.floor(random() * 7);
  const multipartHeaders = {
    'content-type': pick([
      `multipart/form-data; boundary=${boundary}`,
      'multipart/form-data',
      `multipart/form-data; boundary=other`,
      'application/json',
      'text/plain',
    ]),
    ...auth,
  };
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const body = multipart(boundary);
      return {
        method: 'POST',
        path: pick(['/extract', '/v1/extract', '/trpc/extraction.extract']),
        headers: multipartHeaders,
        body,
        ...(random() < 0.1 ? { truncateAt: Math.floor(random() * body.length) } : {}),
      };
    }
    case 3:
      return {
        method: 'POST',
        path: pick([
          '/v1/tokens',
          '/v1/tokens/1/limit',
          '/v1/tokens/abc/rotate',
          '/v1/clients',
          '/trpc/tokens.add',
          '/trpc/tokens.setLimit?batch=1',
        ]),
        headers: { 'content-type': pick(['application/json', 'text/plain', '']), ...auth },
        body: Buffer.from(
          pick([
            JSON.stringify({
              companyId: pick(STRINGS),
              apiKey: pick(STRINGS),
              totalTokenLimit: pick([1, -1, 1e20, 'x', null]),
            }),
            '{',
            '[]',
            'null',
            pick(STRINGS),
            '{"0":{"json":{"tokenId":"x"}}}',
          ]),
        ),
      };
    case 4:
      return {
        method: 'GET',
        path: `${pick(['/v1/tokens', '/v1/monitoring/usage', '/v1/monitoring/logs', '/v1/audit', '/trpc/monitoring.logs'])}?${pick(['groupBy=day', 'groupBy=planet', 'limit=-1', 'levels=LOUD', `input=${encodeURIComponent(pick(STRINGS))}`, 'companyId=%00', 'tokenId=1e309'])}`,
        headers: auth,
        body: Buffer.alloc(0),
      };
    case 5:
      return {
        method: pick(['GET', 'DELETE', 'PUT', 'PATCH']),
        path: pick([
          '/',
          '/nope',
          '/v1/tokens/1',
          '/cache/status',
          '/cache/invalidate',
          '/metrics',
          '/docs',
          '/openapi.json',
          `/${encodeURIComponent(pick(STRINGS))}`,
        ]),
        headers: auth,
        body: Buffer.alloc(0),
      };
    default:
      return {
        method: 'POST',
        path: '/extract',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
        body: multipart(boundary),
      };
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function send(base: URL, shot: Shot): Promise<number | 'dropped'> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: shot.method,
        path: shot.path,
        agent,
        headers: {
          ...shot.headers,
          ...(shot.headers['transfer-encoding'] ? {} : { 'content-length': String(shot.body.length) }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve('dropped'));
      },
    );
    req.on('error', () => resolve('dropped'));
    if (shot.truncateAt !== undefined) {
      req.write(shot.body.subarray(0, shot.truncateAt));
      setTimeout(() => {
        req.destroy();
        resolve('dropped');
      }, 5);
    } else {
      req.end(shot.body);
    }
  });
}

describe('fuzzed requests', () => {
  it(`${COUNT} hostile requests: zero 5xx, zero crashes`, async () => {
    const base = new URL(s.url);
    const statuses = new Map<string, number>();
    const fiveHundreds: Array<{ shot: Omit<Shot, 'body'>; status: number }> = [];
    let sent = 0;
    const worker = async () => {
      while (sent < COUNT) {
        sent += 1;
        const shot = nextShot();
        const status = await send(base, shot);
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        if (typeof status === 'number' && status >= 500)
          fiveHundreds.push({
            shot: { method: shot.method, path: shot.path, headers: shot.headers },
            status,
          });
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    agent.destroy();
    expect(fiveHundreds.slice(0, 5)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(COUNT);
    // Some requests were valid and went all the way through.
    expect(statuses.get('200') ?? 0).toBeGreaterThan(0);
    const health = await fetch(`${s.url}/`);
    expect(health.status).toBe(200);
    console.info(`fuzz status counts: ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 300_000);
});
