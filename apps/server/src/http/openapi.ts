import { MAX_IDEMPOTENCY_KEY_LENGTH } from '@invoicegw/core';
import { z } from 'zod';
import { type AppErrorCode, ERROR_TABLE } from '../errors/error-table.ts';
import { UPLOAD_FIELD_ALIASES } from '../extraction/upload-fields.ts';
import { REST_ROUTES } from './rest-routes.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

/** The other form names a field is read under (the one alias table), for the docs. */
const aliasesOf = (field: keyof typeof UPLOAD_FIELD_ALIASES, shown: string) =>
  UPLOAD_FIELD_ALIASES[field].filter((n) => n !== shown).join(', ');

const ERROR_RESPONSE = {
  description: 'An error with a stable code',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

/** OpenAPI 3.1 for the REST routes and the upload endpoints, built from the procedures' zod inputs. */
export function openApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of REST_ROUTES) {
    const pathParams = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const schema = r.input ? jsonSchema(r.input) : { type: 'object', properties: {} };
    const props = (schema.properties ?? {}) as Record<string, Json>;
    const parameters = [
      ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'integer' } })),
      ...(r.method === 'get' || r.method === 'delete'
        ? Object.entries(props)
            .filter(([name]) => !pathParams.includes(name))
            .map(([name, s]) => ({
              name,
              in: 'query',
              required: ((schema.required as string[]) ?? []).includes(name),
              schema: s,
            }))
        : []),
    ];
    const bodyProps = Object.fromEntries(
      Object.entries(props).filter(([name]) => !pathParams.includes(name)),
    );
    paths[r.path] = {
      ...paths[r.path],
      [r.method]: {
        operationId: r.procedure,
        summary: r.summary,
        tags: [r.tag],
        ...(r.admin ? { security: [{ bearer: [] }] } : { security: [] }),
        parameters,
        ...(r.method === 'post'
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: {
                      ...schema,
                      properties: bodyProps,
                      required: ((schema.required as string[]) ?? []).filter((n) => !pathParams.includes(n)),
                    },
                  },
                },
              },
            }
          : {}),
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
          default: ERROR_RESPONSE,
        },
      },
    };
  }
  const upload = (summary: string, companyField: string) => ({
    summary,
    tags: ['extraction'],
    security: [{ bearer: [] }, {}],
    parameters: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
      },
    ],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file', companyField, ...(companyField === 'companyID' ? ['username'] : [])],
            properties: {
              file: {
                type: 'string',
                contentMediaType: 'application/octet-stream',
                description: 'PDF, PNG, JPEG, WEBP, HEIC or HEIF',
              },
              [companyField]: {
                type: 'string',
                maxLength: 50,
                description: `Also read as ${aliasesOf('companyId', companyField)}`,
              },
              username: {
                type: 'string',
                maxLength: 200,
                description: `Also read as ${aliasesOf('username', 'username')}`,
              },
              branch: {
                type: 'string',
                maxLength: 200,
                description: `Division wins over branch; also read as ${aliasesOf('branch', 'branch')}`,
              },
              ...(companyField === 'companyID' ? { Division: { type: 'string', maxLength: 200 } } : {}),
              idempotencyKey: {
                type: 'string',
                maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
                description: 'The Idempotency-Key header wins over this field',
              },
            },
          },
        },
      },
    },
    responses: {
      '200': {
        description: 'The invoice, its warnings and what it cost',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      default: ERROR_RESPONSE,
    },
  });
  paths['/v1/extract'] = {
    post: { operationId: 'extract', ...upload('Extract an invoice (multipart upload)', 'companyId') },
  };
  paths['/extract'] = {
    post: {
      operationId: 'legacyExtract',
      ...upload("Extract an invoice: the old service's contract and envelope", 'companyID'),
    },
  };
  paths['/'] = {
    get: {
      operationId: 'health',
      summary: 'Health check',
      tags: ['monitoring'],
      security: [],
      responses: { '200': { description: 'Healthy' }, '503': { description: 'Database unreachable' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Invoice extraction gateway',
      version,
      description:
        'Invoices in, structured JSON out through Google Gemini, with per-company keys and exact token quotas.',
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'extraction' }, { name: 'tokens' }, { name: 'monitoring' }, { name: 'clients' }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin key, or a client key for extraction',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['status', 'code', 'message'],
          properties: {
            status: { const: 'error' },
            code: { type: 'string', enum: Object.keys(ERROR_TABLE) as AppErrorCode[] },
            message: { type: 'string' },
            requestId: { type: 'string' },
            data: { type: 'object' },
          },
        },
      },
    },
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** A self-contained docs page (no CDN: the service runs offline). */
export function docsPage(doc: Json): string {
  const rows = Object.entries(doc.paths as Record<string, Record<string, Json>>)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(
        ([method, op]) =>
          `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(String(op.summary ?? ''))}</td><td>${
            (op.security as unknown[] | undefined)?.length ? 'key' : 'open'
          }</td><td><details><summary>schema</summary><pre>${escapeHtml(JSON.stringify({ parameters: op.parameters, requestBody: op.requestBody }, null, 2))}</pre></details></td></tr>`,
      ),
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Invoice gateway API</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{font-size:12px;max-height:30rem;overflow:auto}</style>
</head><body><h1>Invoice gateway API</h1><p>OpenAPI 3.1: <a href="/openapi.json">/openapi.json</a>. TypeScript apps use the typed tRPC client at <code>/trpc</code>.
Send the admin key (or a client key for extraction) as <code>Authorization: Bearer …</code>.</p>
<table><tr><th>method</th><th>path</th><th>what</th><th>auth</th><th>input</th></tr>${rows}</table></body></html>`;
}
