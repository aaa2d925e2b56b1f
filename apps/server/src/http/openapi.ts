import { MAX_IDEMPOTENCY_KEY_LENGTH } from '@invoicegw/core';
import { z } from 'zod';
import type { AppErrorCode } from '../errors/error-table.ts';
import { printableText, UPLOAD_FIELD_ALIASES } from '../extraction/upload-fields.ts';
import {
  ERROR_SCHEMA,
  EXTRACTION_ERRORS,
  errorResponses,
  operationCodes,
} from '../openapi/error-responses.ts';
import { type Json, SchemaSet } from '../openapi/json-schema.ts';
import { REST_TAGS, type RestOperation, restOperations } from '../openapi/rest-meta.ts';
import { appRouter } from '../trpc/router.ts';
import { ExtractionResultSchema, InvoiceOut } from '../trpc/routers/extraction/extraction-output.ts';
import { CacheStatusSchema, HealthSchema } from '../trpc/routers/monitoring/monitoring-outputs.ts';

export interface OpenApiOptions {
  version: string;
  /** REQUIRE_CLIENT_KEYS: whether extraction refuses a caller without a key (the document says which). */
  requireClientKeys: boolean;
}

// Credentials, read once per request (resolve-auth.ts): Authorization: Bearer, X-Api-Key or X-Client-Key.
const ADMIN_SECURITY = [{ bearer: [] }, { apiKey: [] }];
const PUBLIC_SECURITY: Json[] = [];

const RESPONSE_HEADERS = {
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
  'X-Client-Request-Id': { $ref: '#/components/headers/X-Client-Request-Id' },
};

const REQUEST_ID_PARAM = { $ref: '#/components/parameters/X-Request-Id' };
const ACTOR_PARAM = { $ref: '#/components/parameters/X-Actor' };
const IDEMPOTENCY_PARAM = { $ref: '#/components/parameters/Idempotency-Key' };

const ok = (description: string, schema: Json, type = 'application/json'): Json => ({
  description,
  headers: RESPONSE_HEADERS,
  content: { [type]: { schema } },
});

/** The input's schema less its path parameters. */
function bodySchema(input: Json, properties: Json, required: string[]): Json {
  const { required: _, ...rest } = input;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}

/** One procedure as a REST operation: its input as path, query or body, its output as the 200. */
function procedureOperation(op: RestOperation, schemas: SchemaSet): Json {
  const { meta } = op;
  const pathParams = [...meta.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const input = op.input ? schemas.convert(op.input, 'input') : { type: 'object', properties: {} };
  const props = (input.properties ?? {}) as Record<string, Json>;
  const required = (input.required as string[] | undefined) ?? [];
  const missing = pathParams.filter((p) => !(p in props));
  if (missing.length > 0)
    throw new Error(`${op.name}: ${meta.path} names ${missing.join(', ')}, not in its input`);
  const inQuery = meta.method !== 'post';
  const fields = Object.entries(props).filter(([name]) => !pathParams.includes(name));
  const bodyRequired = required.filter((n) => !pathParams.includes(n));
  const admin = meta.auth === 'admin';
  const parameters = [
    ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: props[name] })),
    ...(inQuery
      ? fields.map(([name, schema]) => ({
          name,
          in: 'query',
          required: required.includes(name),
          schema,
          // `levels=INFO,WARNING` and `levels=INFO&levels=WARNING` both work.
          ...(schema.type === 'array' ? { style: 'form', explode: true } : {}),
        }))
      : []),
    REQUEST_ID_PARAM,
    ...(admin ? [ACTOR_PARAM] : []),
  ];
  if (!op.output) throw new Error(`${op.name} is served as REST but has no .output() schema`);
  return {
    operationId: op.name,
    summary: meta.summary,
    ...(meta.description ? { description: meta.description } : {}),
    tags: [meta.tag],
    security: admin ? ADMIN_SECURITY : PUBLIC_SECURITY,
    'x-trpc-procedure': op.name,
    parameters,
    ...(meta.method === 'post'
      ? {
          requestBody: {
            required: bodyRequired.length > 0,
            content: {
              'application/json': {
                schema: bodySchema(input, Object.fromEntries(fields), bodyRequired),
              },
            },
          },
        }
      : {}),
    responses: {
      '200': ok('OK', schemas.convert(op.output, 'output')),
      ...errorResponses(
        operationCodes({
          input: op.input !== undefined,
          admin,
          body: meta.method === 'post',
          errors: meta.errors,
        }),
      ),
    },
  };
}

/** The other form names a field is read under (the one alias table). */
const aliasesOf = (field: keyof typeof UPLOAD_FIELD_ALIASES, shown: string) =>
  UPLOAD_FIELD_ALIASES[field].filter((n) => n !== shown).join(', ');

function authModes(requireClientKeys: boolean): string {
  return [
    `This server runs with \`REQUIRE_CLIENT_KEYS=${requireClientKeys}\`.`,
    '- `REQUIRE_CLIENT_KEYS=false` (the default): no key is needed. A key that is sent must match (else 401),',
    "  and a client key must be the upload's company's (else 403).",
    '- `REQUIRE_CLIENT_KEYS=true`: a client key issued for the company (`POST /v1/clients`), sent as',
    '  `X-Client-Key` or `Authorization: Bearer`, or the admin key, is required (401 without).',
  ].join('\n');
}

/** The two multipart routes: tRPC's JSON-over-REST cannot carry an upload, so they are described here. */
function uploadOperation(options: OpenApiOptions, legacy: boolean, schemas: SchemaSet): Json {
  const companyField = legacy ? 'companyID' : 'companyId';
  const codes: AppErrorCode[] = [
    ...EXTRACTION_ERRORS,
    ...(legacy ? (['URL_MODE_UNSUPPORTED'] as const) : []),
    'INTERNAL',
    'DATABASE_UNAVAILABLE',
  ];
  const responses = errorResponses(codes);
  if (legacy) {
    // A missing companyID/username answers FastAPI's 422 shape, as the old service did.
    const existing = (responses['422']!.content as Record<string, { schema: Json }>)['application/json']!
      .schema;
    responses['422'] = {
      ...responses['422'],
      description: `${responses['422']!.description}; \`VALIDATION_ERROR\` with FastAPI's \`detail\` list when companyID or username is missing`,
      content: {
        'application/json': {
          schema: { anyOf: [existing, { $ref: '#/components/schemas/LegacyMissingFields' }] },
        },
      },
    };
  }
  const answer = legacy
    ? schemas.convert(LegacyExtractAnswer, 'output')
    : schemas.convert(ExtractionResultSchema, 'output');
  return {
    operationId: legacy ? 'legacyExtract' : 'extract',
    summary: legacy
      ? "Extract an invoice: the old service's contract and envelope"
      : 'Extract an invoice (multipart upload)',
    description: [
      'The same extraction as tRPC `extraction.extract`. An `Idempotency-Key` (header, or the',
      '`idempotencyKey` field; the header wins) replays the first answer for the same file,',
      'charged once; the same key with another file is 409 `IDEMPOTENCY_CONFLICT`.',
      '',
      authModes(options.requireClientKeys),
    ].join('\n'),
    tags: [legacy ? 'legacy' : 'extraction'],
    security: [
      { clientKey: [] },
      { bearer: [] },
      { apiKey: [] },
      // An empty requirement: no key at all is accepted.
      ...(options.requireClientKeys ? [] : [{}]),
    ],
    ...(legacy ? {} : { 'x-trpc-procedure': 'extraction.extract' }),
    parameters: [IDEMPOTENCY_PARAM, REQUEST_ID_PARAM],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file', companyField, ...(legacy ? ['username'] : [])],
            properties: {
              file: {
                type: 'string',
                format: 'binary',
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
              ...(legacy
                ? {
                    Division: { type: 'string', maxLength: 200 },
                    extractFromLink: {
                      type: 'string',
                      enum: ['0', '1'],
                      description:
                        '`1` (fetch `pdf_url`) is refused with 400 `URL_MODE_UNSUPPORTED`: upload the file',
                    },
                  }
                : {}),
              idempotencyKey: {
                type: 'string',
                maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
                description: 'The Idempotency-Key header wins over this field',
              },
            },
          },
          encoding: {
            file: {
              contentType: 'application/pdf, image/png, image/jpeg, image/webp, image/heic, image/heif',
            },
          },
        },
      },
    },
    responses: {
      '200': ok(
        legacy ? 'The invoice in the old envelope' : 'The invoice, its warnings and what it cost',
        answer,
      ),
      ...responses,
    },
  };
}

const LegacyExtractAnswer = z
  .object({
    status: z.literal('ok'),
    message: z.string(),
    data: InvoiceOut,
    meta: ExtractionResultSchema.omit({ data: true }).meta({ id: 'ExtractionMeta' }),
  })
  .meta({
    id: 'LegacyExtractResult',
    description: "The old service's envelope: the invoice in data, the rest in meta",
  });

const LegacyMissingFields = z
  .object({
    status: z.literal('error'),
    code: z.literal('VALIDATION_ERROR'),
    message: z.string(),
    requestId: z.string(),
    detail: z.array(
      z.object({
        type: z.literal('missing'),
        loc: z.tuple([z.literal('body'), z.string()]),
        msg: z.string(),
      }),
    ),
  })
  .meta({ id: 'LegacyMissingFields' });

const LegacyCacheInvalidated = z.object({
  status: z.literal('ok'),
  message: z.string(),
  removed: z.number().int().min(0).describe('Entries removed'),
});

/** The old service's routes, the scrape endpoint and this document. */
function plainRoutes(schemas: SchemaSet): Record<string, Record<string, Json>> {
  const common = errorResponses(operationCodes({ input: false, admin: false, body: false }));
  const health = schemas.convert(HealthSchema, 'output');
  const companyQuery = schemas.convert(z.object({ companyId: printableText(50).optional() }), 'input');
  return {
    '/': {
      get: {
        operationId: 'legacyHealth',
        summary: 'Health check (the old service’s)',
        tags: ['legacy'],
        security: PUBLIC_SECURITY,
        parameters: [REQUEST_ID_PARAM],
        responses: {
          '200': ok('Healthy', health),
          '503': ok('Degraded: the database does not answer, or the service is shutting down', health),
          ...errorResponses(['INTERNAL']),
        },
      },
    },
    '/cache/status': {
      get: {
        operationId: 'legacyCacheStatus',
        summary: 'Result cache status (the old shape plus full stats)',
        tags: ['legacy'],
        security: PUBLIC_SECURITY,
        parameters: [REQUEST_ID_PARAM],
        responses: { '200': ok('OK', schemas.convert(CacheStatusSchema, 'output')), ...common },
      },
    },
    '/cache/invalidate': {
      post: {
        operationId: 'legacyCacheInvalidate',
        summary: "Empty the result cache (one company's entries, or all)",
        tags: ['legacy'],
        security: ADMIN_SECURITY,
        parameters: [
          {
            name: 'companyId',
            in: 'query',
            required: false,
            schema: (companyQuery.properties as Record<string, Json>).companyId,
          },
          REQUEST_ID_PARAM,
          ACTOR_PARAM,
        ],
        responses: {
          '200': ok('Invalidated', schemas.convert(LegacyCacheInvalidated, 'output')),
          ...errorResponses(operationCodes({ input: true, admin: true, body: false })),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (igw_*)',
        tags: ['monitoring'],
        security: ADMIN_SECURITY,
        parameters: [REQUEST_ID_PARAM],
        responses: {
          '200': ok('The text exposition format', { type: 'string' }, 'text/plain'),
          ...errorResponses(operationCodes({ input: false, admin: true, body: false })),
        },
      },
    },
    '/v1/usage/export': {
      get: {
        operationId: 'usageExport',
        summary: 'Usage per day, company, key, branch and user, streamed as CSV or JSON',
        description: [
          'Rows of TokenUsageLogs summed per UTC day, company, key (id and hint), branch and user (RequestedBy)',
          'for `from` (inclusive) to `to` (exclusive): `total_tokens` sums to the ledger, `presumed_tokens` is',
          'the part charged for answers that never came. Streamed as read: a body cut off before its end',
          '(JSON without its closing bracket) means the export failed part way; CSV cells that a spreadsheet',
          'would run as a formula start with an apostrophe. A plain route, not a procedure: tRPC answers one value.',
        ].join('\n'),
        tags: ['monitoring'],
        security: ADMIN_SECURITY,
        parameters: [
          ...(['from', 'to'] as const).map((name) => ({
            name,
            in: 'query',
            required: true,
            description: `${name === 'from' ? 'Inclusive' : 'Exclusive'}: a day (YYYY-MM-DD, midnight UTC) or an ISO-8601 instant with its zone, 1753..9999`,
            schema: { type: 'string' },
          })),
          {
            name: 'format',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['csv', 'json'], default: 'csv' },
          },
          { name: 'company', in: 'query', required: false, schema: { type: 'string', maxLength: 50 } },
          REQUEST_ID_PARAM,
        ],
        responses: {
          '200': {
            description: 'The export (Content-Disposition names a file)',
            headers: RESPONSE_HEADERS,
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'array', items: { type: 'object' } } },
            },
          },
          ...errorResponses(
            operationCodes({ input: true, admin: true, body: false, errors: ['INVALID_INPUT'] }),
          ),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        summary: 'This document',
        tags: ['docs'],
        security: PUBLIC_SECURITY,
        responses: { '200': ok('OpenAPI 3.1', { type: 'object' }) },
      },
    },
  };
}

/**
 * OpenAPI 3.1 for every HTTP route: the procedures that carry `.meta(rest(...))`, built from
 * their zod input and output schemas; the two multipart uploads and the old service's routes,
 * described here. Error responses come from the error table.
 */
export function openApiDocument(options: OpenApiOptions): Json {
  const schemas = new SchemaSet();
  schemas.add('Error', ERROR_SCHEMA);
  const paths: Record<string, Record<string, Json>> = {};
  const put = (path: string, method: string, operation: Json) => {
    paths[path] = { ...paths[path], [method]: operation };
  };
  for (const op of restOperations(appRouter))
    put(op.meta.path, op.meta.method, procedureOperation(op, schemas));
  put('/v1/extract', 'post', uploadOperation(options, false, schemas));
  put('/extract', 'post', uploadOperation(options, true, schemas));
  schemas.convert(LegacyMissingFields, 'output');
  for (const [path, ops] of Object.entries(plainRoutes(schemas)))
    for (const [method, op] of Object.entries(ops)) put(path, method, op);

  return {
    openapi: '3.1.0',
    info: {
      title: 'Invoice extraction gateway',
      version: options.version,
      description: [
        'Invoices in, structured JSON out through Google Gemini, with per-company keys and exact token quotas.',
        'TypeScript apps use the typed tRPC client at `/trpc`; the REST routes under `/v1` call the same procedures.',
        '',
        '**Keys.** Token, monitoring and client-key operations, `/metrics` and `POST /cache/invalidate` need the',
        'admin key: `Authorization: Bearer <admin key>` (or `X-Api-Key`); `X-Actor` names the operator in the',
        'audit trail. Without a key they answer 401, with a client key 403.',
        '',
        `**Extraction** (\`POST /v1/extract\`, \`POST /extract\`). ${authModes(options.requireClientKeys)}`,
        '',
        "**Every answer** carries `X-Request-Id`, the server's own id; a caller's `X-Request-Id` is kept as a",
        'correlation field and echoed as `X-Client-Request-Id`.',
        '',
        '**Errors** share one envelope, `{status: "error", code, message, requestId, data?}`, and one table of',
        'statuses: 402 when a budget is spent, 429 and 503 with `Retry-After` when waiting helps.',
      ].join('\n'),
    },
    servers: [{ url: '/' }],
    tags: [
      ...REST_TAGS.map((name) => ({ name })),
      { name: 'legacy', description: "The old service's routes, kept for its callers" },
      { name: 'docs' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin key, or for extraction a client key',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'The same keys, in X-Api-Key',
        },
        clientKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Client-Key',
          description: 'A client key issued by POST /v1/clients for one company (shown once)',
        },
      },
      headers: {
        'X-Request-Id': {
          description: "The server's own id for this request: usage rows and logs carry it",
          required: true,
          schema: { type: 'string', format: 'uuid' },
        },
        'X-Client-Request-Id': {
          description:
            "The caller's X-Request-Id, cleaned (printable, at most 200 characters), when one was sent",
          schema: { type: 'string', maxLength: 200 },
        },
      },
      parameters: {
        'X-Request-Id': {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description:
            "Your correlation id: logged as clientRequestId and echoed as X-Client-Request-Id (the server's own id is in the answer's X-Request-Id)",
          schema: { type: 'string' },
        },
        'X-Actor': {
          name: 'X-Actor',
          in: 'header',
          required: false,
          description:
            'Who is acting, for the audit trail (printable, at most 200 characters; default admin)',
          schema: { type: 'string' },
        },
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Replays the first answer for the same file, charged once; wins over the idempotencyKey field',
          schema: { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
        },
      },
      schemas: schemas.components,
    },
  };
}
