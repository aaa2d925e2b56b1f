import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// One set of bounds for every upload route and every date: oversize or unprintable input is a
// 400 that names the field (never echoes it), and nothing of it is stored.
let s: TestServer;
let tokenId: number;
const PDF = renderInvoicePdf(DEMO_INVOICE);
const pdf = (n: string) => renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `BOUNDS-${n}` });

beforeAll(async () => {
  s = await startTestServer({ COMPANY_CONCURRENCY: '100' });
  const added = await fetch(`${s.url}/v1/tokens`, {
    method: 'POST',
    headers: { ...s.admin, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('bounds'), totalTokenLimit: 2_000_000_000 }),
  });
  tokenId = ((await added.json()) as { tokenId: number }).tokenId;
});
afterAll(async () => {
  await s.stop();
});

const db = () => s.deps.core.db.db;
const usageRows = async () =>
  Number(
    (
      await db()
        .selectFrom('TokenUsageLogs')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n,
  );

const ROUTES = ['/extract', '/v1/extract', '/trpc/extraction.extract'] as const;
type Route = (typeof ROUTES)[number];

/** The company field as each route documents it (every route also takes the others). */
const companyField = (route: Route) => (route === '/extract' ? 'companyID' : 'companyId');

function upload(
  route: Route,
  fields: Record<string, string>,
  options: { bytes?: Buffer; headers?: Record<string, string> } = {},
) {
  return fetch(`${s.url}${route}`, {
    method: 'POST',
    headers: options.headers ?? {},
    body: uploadForm(
      { [companyField(route)]: 'NT047', username: 'tester', ...fields },
      { bytes: options.bytes ?? PDF },
    ),
  });
}

/** The stable code and the message of an error answer, whichever envelope the route uses. */
async function failure(res: Response): Promise<{ status: number; code: string; text: string }> {
  const text = await res.text();
  const body = JSON.parse(text) as {
    code?: string;
    error?: { message: string; data?: { appCode?: string } };
  };
  return { status: res.status, code: body.code ?? body.error?.data?.appCode ?? '?', text };
}

describe('upload fields: one schema for the three routes', () => {
  it('refuses an oversize or unprintable field on every route with 400 VALIDATION_ERROR naming it', async () => {
    const before = await usageRows();
    const cases: Array<[string, Record<string, string>, string]> = [
      ['company 51', { companyID: 'C'.repeat(51), companyId: 'C'.repeat(51) }, 'company'],
      ['username 201', { username: 'u'.repeat(201) }, 'username'],
      ['username 5 MB', { username: 'u'.repeat(5 * 1024 * 1024) }, 'username'],
      ['branch 201', { branch: 'b'.repeat(201) }, 'branch'],
      ['Division 5 MB', { Division: 'd'.repeat(5 * 1024 * 1024) }, 'Division'],
      ['idempotencyKey 201', { idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
      ['username with a NUL', { username: 'a\u0000b' }, 'username'],
      ['company with a newline', { companyID: 'NT\n047', companyId: 'NT\n047' }, 'company'],
      ['branch with an escape', { branch: 'x\u001b[31mred' }, 'branch'],
    ];
    for (const route of ROUTES) {
      for (const [name, fields, field] of cases) {
        const f = await failure(await upload(route, fields));
        expect([route, name, f.status, f.code]).toEqual([route, name, 400, 'VALIDATION_ERROR']);
        expect(f.text.toLowerCase(), `${route} ${name}`).toContain(field.toLowerCase());
        expect(f.text.length, `${route} ${name} echoes the value`).toBeLessThan(2000);
      }
    }
    expect(await usageRows()).toBe(before);
    expect(s.emulator.requests().length).toBe(0);
    await s.deps.logSink.flush();
    const longest = await db()
      .selectFrom('ApplicationLogs')
      .select((e) => [
        e.fn.max(e.fn('length', ['Message'])).as('message'),
        e.fn.max(e.fn('length', ['Context'])).as('context'),
        e.fn.max(e.fn('length', ['Exception'])).as('exception'),
      ])
      .executeTakeFirstOrThrow();
    expect(Number(longest.message)).toBeLessThan(2000);
    expect(Number(longest.context)).toBeLessThan(2000);
    expect(Number(longest.exception ?? 0)).toBeLessThan(2000);
  }, 60_000);

  it('refuses an Idempotency-Key header over 200 characters on every route', async () => {
    for (const route of ROUTES) {
      const f = await failure(await upload(route, {}, { headers: { 'idempotency-key': 'k'.repeat(201) } }));
      expect([route, f.status, f.code]).toEqual([route, 400, 'VALIDATION_ERROR']);
      expect(f.text).toContain('Idempotency-Key');
    }
  });

  it('takes every alias the routes took before, at the bounds, on every route', async () => {
    const aliases: Array<[Record<string, string>, { branch: string; user: string }]> = [
      [
        { company_id: 'NT047', userName: 'ali', dept: 'D1' },
        { branch: 'D1', user: 'ali' },
      ],
      [
        { companyId: 'NT047', requestedBy: 'req', division: 'Div' },
        { branch: 'Div', user: 'req' },
      ],
      [
        { companyID: 'NT047', username: 'u'.repeat(200), Division: 'North', branch: 'ignored' },
        { branch: 'North', user: 'u'.repeat(100) },
      ],
    ];
    let n = 0;
    for (const route of ROUTES) {
      for (const [fields, expected] of aliases) {
        n += 1;
        const res = await fetch(`${s.url}${route}`, {
          method: 'POST',
          headers: { 'idempotency-key': `k${n}-${'k'.repeat(190)}` },
          body: uploadForm(fields, { bytes: pdf(`alias-${n}`) }),
        });
        expect([route, JSON.stringify(fields).slice(0, 60), res.status]).toEqual([
          route,
          JSON.stringify(fields).slice(0, 60),
          200,
        ]);
        const [row] = await db()
          .selectFrom('TokenUsageLogs')
          .select(['Branch', 'RequestedBy', 'CompanyID'])
          .orderBy('UsageID', 'desc')
          .limit(1)
          .execute();
        // RequestedBy is NVARCHAR(100): the repository clips what the schema allows (200).
        expect(row).toEqual({ Branch: expected.branch, RequestedBy: expected.user, CompanyID: 'NT047' });
      }
    }
  }, 60_000);

  it('50 uploads with a 1 MB idempotency key on a cached file: all refused, memory stays bounded', async () => {
    // The file is in the result cache first, so nothing but the key could cost memory.
    expect((await upload('/extract', {}, { bytes: pdf('cached') })).status).toBe(200);
    const before = await usageRows();
    const big = 'i'.repeat(1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      const answers = await Promise.all(
        ROUTES.concat(ROUTES)
          .slice(0, 5)
          .map((route) => upload(route, { idempotencyKey: big }, { bytes: pdf('cached') })),
      );
      for (const a of answers) {
        statuses.push(a.status);
        await a.arrayBuffer();
      }
    }
    const growth = process.memoryUsage().rss - rssBefore;
    expect(new Set(statuses)).toEqual(new Set([400]));
    expect(statuses).toHaveLength(50);
    expect(growth).toBeLessThan(100 * 1024 * 1024);
    expect(await usageRows()).toBe(before);
  }, 120_000);

  it('a missing companyID or username on /extract stays the old 422 with FastAPI detail', async () => {
    const res = await fetch(`${s.url}/extract`, {
      method: 'POST',
      body: uploadForm({ username: 'x' }, { bytes: PDF }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      detail: [{ type: 'missing', loc: ['body', 'companyID'], msg: 'Field required' }],
    });
  });
});

describe('the other inputs: strings have lengths, numbers have ranges', () => {
  it('refuses what no SQL Server INT, column or page could hold with 400 VALIDATION_ERROR', async () => {
    const long = 'x'.repeat(51);
    for (const [method, path] of [
      ['POST', `/cache/invalidate?companyId=${long}`],
      ['POST', `/v1/monitoring/cache/invalidate?companyId=${long}`],
      ['GET', '/v1/audit?offset=1e20'],
      ['GET', '/v1/tokens/99999999999'],
      ['DELETE', '/v1/clients/100000000000000000000'],
      ['GET', `/v1/monitoring/logs?levels=${Array(20).fill('INFO').join(',')}`],
      ['GET', `/v1/monitoring/usage?groupBy=day&branch=${'b'.repeat(201)}`],
      ['GET', '/v1/monitoring/logs?afterId=1e30'],
    ] as const) {
      const f = await failure(await fetch(`${s.url}${path}`, { method, headers: s.admin }));
      expect([path.slice(0, 60), f.status, f.code]).toEqual([path.slice(0, 60), 400, 'VALIDATION_ERROR']);
    }
  });
});

describe('dates: what SQL Server DATETIME and DATETIME2 both hold (1753-01-01 to 9999-12-31)', () => {
  const json = (method: string, path: string, body?: unknown) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: { ...s.admin, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('refuses an expiry past 9999 or before 1753 on add, setExpiry (REST and tRPC), usage filters', async () => {
    const outOfRange = [
      '9999-12-31T23:59:59-14:00',
      '1700-01-01',
      '1700-01-01T00:00:00Z',
      '+010000-01-01T00:00:00Z',
    ];
    for (const expiresAt of outOfRange) {
      for (const [method, path, body] of [
        ['POST', '/v1/tokens', { companyId: 'D1', apiKey: fakeKey(`date-${expiresAt}`), expiresAt }],
        ['POST', `/v1/tokens/${tokenId}/expiry`, { expiresAt }],
        ['POST', '/trpc/tokens.setExpiry', { tokenId, expiresAt }],
        ['POST', '/trpc/tokens.add', { companyId: 'D1', apiKey: fakeKey(`t-${expiresAt}`), expiresAt }],
        ['GET', `/v1/monitoring/usage?groupBy=day&from=${encodeURIComponent(expiresAt)}`, undefined],
        ['GET', `/v1/monitoring/logs?since=${encodeURIComponent(expiresAt)}`, undefined],
      ] as const) {
        const f = await failure(await json(method, path, body));
        expect([expiresAt, path, f.status]).toEqual([expiresAt, path, 400]);
        expect(['VALIDATION_ERROR', 'INVALID_INPUT']).toContain(f.code);
      }
    }
    const view = (await (await json('GET', `/v1/tokens/${tokenId}`)).json()) as { expiresAt: unknown };
    expect(view.expiresAt).toBeNull();
  });

  it('accepts the last day of 9999 and the first of 1753, and the key still serves', async () => {
    const last = await json('POST', `/v1/tokens/${tokenId}/expiry`, { expiresAt: '9999-12-31T00:00:00Z' });
    expect(last.status).toBe(200);
    expect(await last.json()).toMatchObject({ expiresAt: '9999-12-31T00:00:00.000Z', status: 'Active' });
    const [status] = (await (
      await json('GET', '/v1/monitoring/token-status?companyId=NT047')
    ).json()) as Array<{
      health: string;
    }>;
    expect(status?.health).toBe('OK');
    expect((await upload('/extract', {}, { bytes: pdf('after-expiry') })).status).toBe(200);
    expect(
      (
        await json(
          'GET',
          '/v1/monitoring/usage?groupBy=day&from=1753-01-01T00:00:00Z&to=9999-12-31T00:00:00Z',
        )
      ).status,
    ).toBe(200);
    expect((await json('POST', `/v1/tokens/${tokenId}/expiry`, { expiresAt: null })).status).toBe(200);
  });
});
