import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { dereference, validate } from '@readme/openapi-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// Every route's real answers, status and body and headers, checked against /openapi.json: a
// status the document does not list, or a body its schema refuses, fails here.

type Json = Record<string, unknown>;
interface MediaType {
  schema: Json;
}
interface ResponseDoc {
  headers?: Record<string, { required?: boolean; schema?: Json }>;
  content?: Record<string, MediaType>;
}
interface OperationDoc {
  security?: Json[];
  responses: Record<string, ResponseDoc>;
}
interface Doc {
  paths: Record<string, Record<string, OperationDoc>>;
}

interface CallOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | string[]>;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  /**
   * Through the app in process rather than the socket: a body over the limit gets its 413
   * while the client is still writing, and the server closing the socket then races fetch.
   */
  inProcess?: boolean;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Calls routes by their documented path template and checks each answer against the document. */
class Conformance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<object, ValidateFunction>();
  /** `GET /v1/tokens` → the statuses seen. */
  readonly seen = new Map<string, Set<number>>();

  constructor(
    private readonly base: string,
    readonly doc: Doc,
    private readonly local?: (request: Request) => Response | Promise<Response>,
  ) {
    addFormats.default(this.ajv);
  }

  operations(): string[] {
    return Object.entries(this.doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  private check(schema: Json, value: unknown, where: string): void {
    let validator = this.validators.get(schema);
    if (!validator) {
      validator = this.ajv.compile(schema);
      this.validators.set(schema, validator);
    }
    if (!validator(value))
      expect.fail(`${where}: ${this.ajv.errorsText(validator.errors, { separator: '\n  ' })}`);
  }

  async call(method: string, template: string, options: CallOptions = {}): Promise<Answer> {
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${method} ${template} is not in the document`).toBeDefined();
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(String(options.params?.[name])),
    );
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {}))
      for (const one of Array.isArray(v) ? v : [v]) query.append(k, one);
    const send = options.inProcess && this.local ? this.local : fetch;
    const res = await send(
      new Request(`${this.base}${path}${query.size ? `?${query}` : ''}`, {
        method,
        headers: {
          ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
        ...(options.form ? { body: options.form } : {}),
      }),
    );
    const where = `${method} ${template} → ${res.status}`;
    const response = op!.responses[String(res.status)];
    expect(response, `${where}: the document lists no such status`).toBeDefined();
    for (const [name, header] of Object.entries(response!.headers ?? {})) {
      const value = res.headers.get(name);
      if (header.required) expect(value, `${where}: header ${name} is required`).not.toBeNull();
      if (value !== null && header.schema) {
        const typed = header.schema.type === 'integer' ? Number(value) : value;
        this.check(header.schema, typed, `${where}: header ${name}`);
      }
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = response!.content?.[type];
    expect(media, `${where}: content-type ${type} is not documented`).toBeDefined();
    const body = type === 'application/json' ? await res.json() : await res.text();
    this.check(media!.schema, body, `${where}: body`);
    const key = `${method} ${template}`;
    this.seen.set(key, new Set([...(this.seen.get(key) ?? []), res.status]));
    return { status: res.status, body, headers: res.headers };
  }
}

const pdf = (invoiceNo: string) => renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: invoiceNo });

async function loadDoc(url: string): Promise<Doc> {
  const raw = (await (await fetch(`${url}/openapi.json`)).json()) as Parameters<typeof validate>[0];
  await expect(validate(structuredClone(raw))).resolves.toMatchObject({ valid: true });
  // Every $ref inlined: one schema per answer for ajv.
  return (await dereference(structuredClone(raw))) as unknown as Doc;
}

describe('the OpenAPI document matches what every route answers (REQUIRE_CLIENT_KEYS=false)', () => {
  let s: TestServer;
  let api: Conformance;
  let admin: Record<string, string>;
  beforeAll(async () => {
    s = await startTestServer();
    const app = createApp(s.deps);
    api = new Conformance(s.url, await loadDoc(s.url), (request) => app.request(request));
    admin = { ...s.admin, 'x-actor': 'conformance' };
  });
  afterAll(async () => {
    await s.stop();
  });

  it('keys, client keys, extraction (REST and legacy), monitoring and the old routes, with their errors', async () => {
    expect(api.operations().length).toBeGreaterThanOrEqual(26);
    // Extraction takes no key in this mode: the document says so with an empty security requirement.
    expect(api.doc.paths['/v1/extract']!.post!.security).toContainEqual({});
    expect((await api.call('GET', '/openapi.json')).status).toBe(200);
    expect((await api.call('GET', '/v1/health')).body).toMatchObject({ status: 'active' });
    expect((await api.call('GET', '/')).status).toBe(200);

    // Keys.
    const apiKey = fakeKey('conf');
    const added = await api.call('POST', '/v1/tokens', {
      json: { companyId: 'NT047', apiKey, totalTokenLimit: 400_000 },
      headers: admin,
    });
    expect(added.status).toBe(200);
    const tokenId = (added.body as { tokenId: number }).tokenId;
    expect(
      (await api.call('POST', '/v1/tokens', { json: { companyId: 'NT047', apiKey }, headers: admin })).body,
    ).toMatchObject({ code: 'DUPLICATE_KEY' });
    expect((await api.call('POST', '/v1/tokens', { json: { companyId: '' }, headers: admin })).status).toBe(
      400,
    );
    const big = await api.call('POST', '/v1/tokens', {
      json: { companyId: 'X', apiKey: 'k'.repeat(2 * 1024 * 1024) },
      headers: admin,
      inProcess: true,
    });
    expect(big.status).toBe(413);
    expect((await api.call('GET', '/v1/tokens')).status).toBe(401);
    expect((await api.call('GET', '/v1/tokens', { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
    const listed = await api.call('GET', '/v1/tokens', { query: { companyId: 'NT047' }, headers: admin });
    expect(listed.body).toEqual([expect.objectContaining({ tokenId, keyHint: 'AIza…xxx' })]);
    expect(JSON.stringify(listed.body)).not.toContain(apiKey);
    const params = { tokenId };
    expect((await api.call('GET', '/v1/tokens/{tokenId}', { params, headers: admin })).status).toBe(200);
    expect(
      (await api.call('GET', '/v1/tokens/{tokenId}', { params: { tokenId: 4242 }, headers: admin })).body,
    ).toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    const limited = await api.call('POST', '/v1/tokens/{tokenId}/limit', {
      params,
      json: { totalTokenLimit: 500_000, threshold: 1000, reason: 'more' },
      headers: admin,
    });
    expect(limited.body).toMatchObject({ totalTokenLimit: 500_000 });
    const budget = await api.call('POST', '/v1/tokens/{tokenId}/budget', {
      params,
      json: { period: 'monthly', timeZone: 'Europe/Berlin' },
      headers: admin,
    });
    expect(budget.body).toMatchObject({ budgetPeriod: 'monthly', window: expect.any(Object) });
    expect(
      (await api.call('GET', '/v1/tokens/{tokenId}/budget-windows', { params, headers: admin })).body,
    ).toEqual([]);
    for (const [path, json] of [
      ['/v1/tokens/{tokenId}/status', { status: 'Active' }],
      ['/v1/tokens/{tokenId}/expiry', { expiresAt: '2999-01-01T00:00:00Z' }],
    ] as const)
      expect((await api.call('POST', path, { params, json, headers: admin })).status).toBe(200);
    expect(
      (await api.call('POST', '/v1/tokens/encrypt-legacy', { json: {}, headers: admin })).body,
    ).toMatchObject({ encrypted: 0 });

    // Client keys: only for their company, never for admin routes.
    const issued = await api.call('POST', '/v1/clients', {
      json: { companyId: 'NT047', label: 'ERP' },
      headers: admin,
    });
    const clientKey = (issued.body as { key: string }).key;
    const client = { 'x-client-key': clientKey };
    const clients = await api.call('GET', '/v1/clients', { headers: admin });
    expect(clients.body).toEqual([expect.objectContaining({ companyId: 'NT047', label: 'ERP' })]);
    expect(JSON.stringify(clients.body)).not.toContain(clientKey);
    expect((await api.call('GET', '/v1/tokens', { headers: client })).status).toBe(403);

    // Extraction over REST: with a client key, X-Request-Id and an Idempotency-Key.
    const form = (fields: Record<string, string>, bytes = pdf('A-1'), type?: string) =>
      uploadForm(fields, { bytes, ...(type ? { type } : {}) });
    const extracted = await api.call('POST', '/v1/extract', {
      form: form({ companyId: 'NT047', username: 'u' }),
      headers: { ...client, 'x-request-id': 'my-correlation-id', 'idempotency-key': 'conf-1' },
    });
    expect(extracted.status).toBe(200);
    expect(extracted.headers.get('x-client-request-id')).toBe('my-correlation-id');
    expect(extracted.body).toMatchObject({ data: { invoice_no: 'A-1' }, idempotentReplay: false });
    expect(
      (
        await api.call('POST', '/v1/extract', {
          form: form({ companyId: 'NT047', idempotencyKey: 'conf-1' }, pdf('A-2')),
          headers: client,
        })
      ).body,
    ).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(
      (await api.call('POST', '/v1/extract', { form: form({ companyId: 'OTHER' }), headers: client })).status,
    ).toBe(403);
    expect(
      (
        await api.call('POST', '/v1/extract', {
          form: form({ companyId: 'NT047' }),
          headers: { 'x-client-key': 'igw_ck_wrong' },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await api.call('POST', '/v1/extract', {
          form: form({ companyId: 'NT047' }, Buffer.from('plain text, not an invoice'), 'text/plain'),
        })
      ).status,
    ).toBe(415);
    expect((await api.call('POST', '/v1/extract', { form: form({}) })).status).toBe(400);

    // The old route: anonymous (REQUIRE_CLIENT_KEYS=false), its envelope, its 422.
    const legacy = await api.call('POST', '/extract', {
      form: form({ companyID: 'NT047', username: 'u', Division: 'KTM' }, pdf('L-1')),
    });
    expect(legacy.body).toMatchObject({ status: 'ok', data: { invoice_no: 'L-1' } });
    expect((await api.call('POST', '/extract', { form: form({ companyID: 'NT047' }) })).body).toMatchObject({
      status: 'error',
      code: 'VALIDATION_ERROR',
      detail: [{ loc: ['body', 'username'] }],
    });
    expect(
      (
        await api.call('POST', '/extract', {
          form: form({ companyID: 'NT047', username: 'u', extractFromLink: '1' }),
        })
      ).body,
    ).toMatchObject({ code: 'URL_MODE_UNSUPPORTED' });

    // A spent budget is a 402; a key whose provider quota is spent for the day is a 429 with Retry-After.
    const spent = await api.call('POST', '/v1/tokens', {
      json: { companyId: 'NT402', apiKey: fakeKey('spent') },
      headers: admin,
    });
    await api.call('POST', '/v1/tokens/{tokenId}/status', {
      params: { tokenId: (spent.body as { tokenId: number }).tokenId },
      json: { status: 'Exceeded' },
      headers: admin,
    });
    expect(
      (await api.call('POST', '/v1/extract', { form: form({ companyId: 'NT402' }, pdf('B-1')) })).body,
    ).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED' });
    const busyKey = fakeKey('busy');
    await api.call('POST', '/v1/tokens', { json: { companyId: 'NT429', apiKey: busyKey }, headers: admin });
    s.emulator.queueFaults(
      Array.from({ length: 4 }, () => ({ type: 'daily_quota' as const, retryDelaySeconds: 7 })),
      busyKey,
    );
    const busy = await api.call('POST', '/v1/extract', { form: form({ companyId: 'NT429' }, pdf('C-1')) });
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);

    // Monitoring, over /v1 and the old routes.
    await s.deps.logSink.flush();
    const adminGets: Array<[string, CallOptions['query']]> = [
      ['/v1/monitoring/token-status', { companyId: 'NT047' }],
      ['/v1/monitoring/usage-summary', {}],
      ['/v1/monitoring/usage', { groupBy: 'day' }],
      ['/v1/monitoring/recent-errors', {}],
      ['/v1/monitoring/retry-stats', {}],
      ['/v1/monitoring/cache-status', {}],
      ['/v1/monitoring/logs', { levels: ['INFO', 'WARNING'], limit: '20' }],
      ['/v1/audit', { companyId: 'NT047', limit: '10' }],
    ];
    for (const [path, query] of adminGets)
      expect((await api.call('GET', path, { query, headers: admin })).status, path).toBe(200);
    // Keys checked with the provider, and the streamed usage export (CSV and JSON).
    expect((await api.call('POST', '/v1/tokens/verify', { json: { tokenId }, headers: admin })).body).toEqual(
      [expect.objectContaining({ tokenId, check: expect.objectContaining({ state: 'ok', code: 'OK' }) })],
    );
    for (const format of ['csv', 'json'])
      expect(
        (
          await api.call('GET', '/v1/usage/export', {
            query: { from: '2026-01-01', to: '2100-01-01', format },
            headers: admin,
          })
        ).status,
      ).toBe(200);
    expect(
      (
        await api.call('GET', '/v1/usage/export', {
          query: { from: 'someday', to: '2100-01-01' },
          headers: admin,
        })
      ).status,
    ).toBe(400);
    expect(
      (await api.call('GET', '/v1/monitoring/usage', { query: { groupBy: 'day' }, headers: admin })).body,
    ).toEqual(expect.arrayContaining([expect.objectContaining({ requests: expect.any(Number) })]));
    expect(
      (await api.call('GET', '/v1/monitoring/usage', { query: { groupBy: 'week' }, headers: admin })).status,
    ).toBe(400);
    expect((await api.call('GET', '/cache/status')).status).toBe(200);
    expect((await api.call('POST', '/cache/invalidate')).status).toBe(401);
    expect(
      (await api.call('POST', '/cache/invalidate', { query: { companyId: 'x'.repeat(60) }, headers: admin }))
        .status,
    ).toBe(400);
    expect((await api.call('POST', '/cache/invalidate', { headers: admin })).body).toMatchObject({
      status: 'ok',
      message: 'Cache invalidated. Next request will refresh from database.',
    });
    expect(
      (
        await api.call('POST', '/v1/monitoring/cache/invalidate', {
          json: { companyId: 'NT047' },
          headers: admin,
        })
      ).status,
    ).toBe(200);
    expect((await api.call('GET', '/metrics')).status).toBe(401);
    expect(String((await api.call('GET', '/metrics', { headers: admin })).body)).toContain(
      'igw_http_requests_total',
    );

    // Retention and the rollback to the old service, there and back.
    expect(
      (await api.call('POST', '/v1/maintenance/prune', { json: { dryRun: true }, headers: admin })).body,
    ).toMatchObject({ dryRun: true, tables: expect.any(Array) });
    expect((await api.call('GET', '/v1/maintenance/rollback', { headers: admin })).body).toEqual({
      prepared: false,
      plaintextKeys: 0,
      sealedKeys: expect.any(Number),
    });
    expect(
      (
        await api.call('POST', '/v1/maintenance/rollback/prepare', {
          json: { confirm: 'yes' },
          headers: admin,
        })
      ).body,
    ).toMatchObject({ code: 'INVALID_INPUT' });
    expect(
      (
        await api.call('POST', '/v1/maintenance/rollback/prepare', {
          json: { confirm: 'store keys in plaintext', reason: 'drill' },
          headers: admin,
        })
      ).body,
    ).toMatchObject({ failed: [] });
    expect(
      (await api.call('POST', '/v1/maintenance/rollback/undo', { json: { reason: 'drill' }, headers: admin }))
        .body,
    ).toMatchObject({ wasPrepared: true });

    // A webhook to a receiver on loopback (allowed for this subscription), tested, listed, removed.
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const added = await api.call('POST', '/v1/alerts', {
        json: { url: hook, events: ['all'], allowPrivate: true, reason: 'conformance' },
        headers: admin,
      });
      expect(added.status).toBe(200);
      const subscriptionId = (added.body as { info: { subscriptionId: number } }).info.subscriptionId;
      expect((await api.call('GET', '/v1/alerts', { headers: admin })).status).toBe(200);
      expect(
        (
          await api.call('POST', '/v1/alerts/{subscriptionId}/test', {
            params: { subscriptionId },
            headers: admin,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await api.call('GET', '/v1/alerts/deliveries', {
            query: { subscriptionId: String(subscriptionId) },
            headers: admin,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await api.call('DELETE', '/v1/alerts/{subscriptionId}', {
            params: { subscriptionId },
            headers: admin,
          })
        ).status,
      ).toBe(200);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }

    // Rotation and removal last: they change the key the extractions above used.
    const rotated = await api.call('POST', '/v1/tokens/{tokenId}/rotate', {
      params,
      json: { newApiKey: fakeKey('conf-new'), graceSeconds: 0, reason: 'leak drill' },
      headers: admin,
    });
    expect(rotated.body).toMatchObject({ previous: { tokenId }, alreadyRotated: false });
    const clientKeyId = (issued.body as { info: { clientKeyId: number } }).info.clientKeyId;
    expect(
      (await api.call('DELETE', '/v1/clients/{clientKeyId}', { params: { clientKeyId }, headers: admin }))
        .body,
    ).toMatchObject({ revokedAt: expect.any(String) });
    expect(
      (
        await api.call('DELETE', '/v1/tokens/{tokenId}', {
          params,
          query: { reason: 'gone' },
          headers: admin,
        })
      ).body,
    ).toMatchObject({ deletedAt: expect.any(String) });

    // Every documented operation answered 2xx at least once, each answer checked above.
    const unanswered = api.operations().filter((op) => ![...(api.seen.get(op) ?? [])].some((st) => st < 300));
    expect(unanswered).toEqual([]);
  });
});

describe('the document tells the auth mode the server runs in', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ REQUIRE_CLIENT_KEYS: 'true' });
  });
  afterAll(async () => {
    await strict.stop();
  });

  it('REQUIRE_CLIENT_KEYS=true: no anonymous extraction in the document or on the wire', async () => {
    const api = new Conformance(strict.url, await loadDoc(strict.url));
    const anonymousAllowed = (op: OperationDoc) =>
      (op.security ?? []).some((requirement) => Object.keys(requirement).length === 0);
    expect(anonymousAllowed(api.doc.paths['/v1/extract']!.post!)).toBe(false);
    expect(anonymousAllowed(api.doc.paths['/extract']!.post!)).toBe(false);
    expect(api.doc.paths['/v1/health']!.get!.security).toEqual([]);
    await api.call('POST', '/v1/tokens', {
      json: { companyId: 'NT047', apiKey: fakeKey('strict') },
      headers: strict.admin,
    });
    const upload = () => uploadForm({ companyId: 'NT047' }, { bytes: pdf('S-1') });
    const refused = await api.call('POST', '/v1/extract', { form: upload() });
    expect(refused).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    const issued = await api.call('POST', '/v1/clients', {
      json: { companyId: 'NT047' },
      headers: strict.admin,
    });
    const key = (issued.body as { key: string }).key;
    expect(
      (await api.call('POST', '/v1/extract', { form: upload(), headers: { authorization: `Bearer ${key}` } }))
        .status,
    ).toBe(200);
    expect(
      (
        await api.call('POST', '/extract', {
          form: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: pdf('S-2') }),
        })
      ).status,
    ).toBe(401);
  });
});
