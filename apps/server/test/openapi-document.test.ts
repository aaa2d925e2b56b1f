import { HEADER_DATE_FIELDS, HEADER_TEXT_FIELDS, PRODUCT_NUMBER_FIELDS, TOTAL_FIELDS } from '@invoicegw/core';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AppErrorCode, ERROR_TABLE } from '../src/errors/error-table.ts';
import { docsRoutes } from '../src/http/docs-routes.ts';
import { describeError } from '../src/http/error-response.ts';
import { openApiDocument } from '../src/http/openapi.ts';
import { REST_OPERATIONS } from '../src/http/rest-routes.ts';
import { appRouter } from '../src/trpc/router.ts';

// The document as built from the router, without a server: coverage, shapes, errors, headers.

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  security: Json[];
  parameters: Json[];
  responses: Record<string, { headers?: Record<string, Json>; content?: Record<string, { schema: Json }> }>;
}

const doc = openApiDocument({ version: 'test', requireClientKeys: false }) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ path, method, op })),
);
const op = (method: string, path: string) => doc.paths[path]![method]!;
const ok = (method: string, path: string) =>
  op(method, path).responses['200']!.content!['application/json']!.schema;

describe('the OpenAPI document, generated from the procedures', () => {
  it('covers every procedure: all but the FormData upload over /v1, and each with an output schema', () => {
    const all = Object.keys(appRouter._def.procedures);
    const served = REST_OPERATIONS.map((o) => o.name);
    expect(all.filter((name) => !served.includes(name))).toEqual(['extraction.extract']);
    for (const o of REST_OPERATIONS) expect(o.output, `${o.name} has no .output()`).toBeInstanceOf(z.ZodType);
    const extract = appRouter.extraction.extract._def as { output?: unknown };
    expect(extract.output).toBeInstanceOf(z.ZodType);
    for (const o of REST_OPERATIONS) expect(op(o.meta.method, o.meta.path).operationId).toBe(o.name);
  });

  it('types lists as arrays of named schemas, and the invoice with every field core returns', () => {
    for (const [path, item] of [
      ['/v1/tokens', 'TokenView'],
      ['/v1/audit', 'AuditEntry'],
      ['/v1/monitoring/usage', 'UsageTotal'],
      ['/v1/monitoring/logs', 'ApplicationLog'],
      ['/v1/monitoring/recent-errors', 'RecentError'],
      ['/v1/monitoring/token-status', 'TokenStatus'],
      ['/v1/clients', 'ClientKey'],
    ] as const) {
      expect(ok('get', path), path).toEqual({
        type: 'array',
        items: { $ref: `#/components/schemas/${item}` },
      });
    }
    expect(ok('get', '/v1/tokens/{tokenId}')).toEqual({ $ref: '#/components/schemas/TokenView' });
    expect(ok('post', '/v1/extract')).toEqual({ $ref: '#/components/schemas/ExtractionResult' });
    const invoice = doc.components.schemas.Invoice as { properties: Json; required: string[] };
    for (const field of [...HEADER_TEXT_FIELDS, ...HEADER_DATE_FIELDS, ...TOTAL_FIELDS, 'products'])
      expect(invoice.required).toContain(field);
    const product = doc.components.schemas.Product as { properties: Json };
    for (const field of PRODUCT_NUMBER_FIELDS) expect(product.properties).toHaveProperty(field);
    // No API key field in any view.
    expect(JSON.stringify(doc.components.schemas)).not.toMatch(/"apiKey"|"ApiKey"/);
  });

  it('lists each status an operation can answer, from the error table, with Retry-After where it applies', () => {
    for (const { path, method, op: operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.headers?.['X-Request-Id'], `${method} ${path} ${status}`).toBeDefined();
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema as
          | { allOf?: Array<{ properties?: { code?: { enum: AppErrorCode[] } } }> }
          | undefined;
        const codes = schema?.allOf?.[1]?.properties?.code?.enum ?? [];
        for (const code of codes)
          expect(ERROR_TABLE[code].status, `${method} ${path}: ${code}`).toBe(Number(status));
      }
    }
    const upload = op('post', '/v1/extract').responses;
    expect(Object.keys(upload)).toEqual(
      expect.arrayContaining([
        '200',
        '400',
        '401',
        '402',
        '403',
        '409',
        '413',
        '415',
        '422',
        '429',
        '502',
        '503',
        '504',
      ]),
    );
    expect(upload['429']!.headers!['Retry-After']).toMatchObject({ required: true });
    expect(upload['503']!.headers!['Retry-After']).toMatchObject({ required: true });
    expect(upload['409']!.headers!['Retry-After']).toMatchObject({ required: false });
    expect(upload['402']!.headers!['Retry-After']).toBeUndefined();
    expect(Object.keys(op('get', '/v1/tokens/{tokenId}').responses)).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '500',
      '503',
    ]);
    expect(Object.keys(op('get', '/v1/health').responses)).toEqual(['200', '500', '503']);
    expect(op('get', '/v1/health').security).toEqual([]);
  });

  it('documents the headers and both auth modes', () => {
    const names = (o: Operation) => o.parameters.map((p) => String(p.$ref ?? p.name));
    for (const { op: operation } of operations.filter(({ path }) => path !== '/openapi.json'))
      expect(names(operation)).toContain('#/components/parameters/X-Request-Id');
    expect(names(op('post', '/v1/tokens/{tokenId}/rotate'))).toContain('#/components/parameters/X-Actor');
    expect(names(op('post', '/v1/extract'))).toContain('#/components/parameters/Idempotency-Key');
    expect(doc.components.securitySchemes.clientKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Client-Key',
    });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(op('post', '/v1/extract').security).toContainEqual({});
    expect(op('get', '/v1/tokens').security).not.toContainEqual({});
    const strict = openApiDocument({ version: 'test', requireClientKeys: true }) as typeof doc;
    expect(strict.paths['/v1/extract']!.post!.security).not.toContainEqual({});
    const form = op('post', '/v1/extract') as unknown as {
      requestBody: { content: Record<string, { schema: { properties: Json } }> };
    };
    expect(form.requestBody.content['multipart/form-data']!.schema.properties).toHaveProperty(
      'idempotencyKey',
    );
    for (const path of ['/metrics', '/cache/status', '/cache/invalidate', '/'])
      expect(doc.paths).toHaveProperty([path]);
  });

  it('an answer the output schema refuses is our 500, not the caller’s 400', () => {
    const refused = z.object({ a: z.string() }).safeParse({ a: 1 }).error;
    const outputFailure = new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Output validation failed',
      cause: refused,
    });
    expect(describeError(outputFailure)).toMatchObject({
      code: 'INTERNAL',
      status: 500,
      message: 'Internal error',
    });
    const inputFailure = new TRPCError({ code: 'BAD_REQUEST', cause: refused });
    expect(describeError(inputFailure)).toMatchObject({ code: 'VALIDATION_ERROR', status: 400 });
  });
});

describe('/docs', () => {
  const app = docsRoutes(doc as unknown as Json);

  it('is Swagger UI served from node_modules: no address off this server, no call to the public validator', async () => {
    const page = await (await app.request('/docs')).text();
    expect(page).toContain('<div id="swagger-ui">');
    expect(page).not.toMatch(/(src|href)="https?:/);
    expect(page).toContain('/v1/tokens/{tokenId}/rotate');
    const init = await (await app.request('/docs/init.js')).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    for (const [asset, type] of [
      ['swagger-ui-bundle.js', 'text/javascript'],
      ['swagger-ui.css', 'text/css'],
      ['favicon-32x32.png', 'image/png'],
    ] as const) {
      const res = await app.request(`/docs/assets/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await app.request('/docs/assets/package.json')).status).toBe(404);
    expect((await app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('escapes what it writes into the page', async () => {
    const hostile = openApiDocument({ version: '<script>alert(1)</script>', requireClientKeys: false });
    const page = await (await docsRoutes(hostile).request('/docs')).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;');
  });
});
