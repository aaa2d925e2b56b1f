import { type AppErrorCode, ERROR_TABLE } from '../errors/error-table.ts';

type Json = Record<string, unknown>;

/**
 * The codes whose answer carries `Retry-After` (seconds), as core and the server raise them:
 * always, or only in some cases (an Idempotency-Key still in progress, not a reused one).
 */
export const RETRY_AFTER = {
  TOKEN_BUSY: 'always',
  PROVIDER_RATE_LIMITED: 'always',
  COMPANY_BUSY: 'always',
  PROVIDER_UNAVAILABLE: 'always',
  PROVIDER_TIMEOUT: 'always',
  DEADLINE_BEFORE_DISPATCH: 'always',
  DATABASE_UNAVAILABLE: 'always',
  SHUTTING_DOWN: 'always',
  IDEMPOTENCY_CONFLICT: 'sometimes',
} as const satisfies Partial<Record<AppErrorCode, 'always' | 'sometimes'>>;

const retryAfterOf = (code: AppErrorCode): 'always' | 'sometimes' | undefined =>
  (RETRY_AFTER as Partial<Record<AppErrorCode, 'always' | 'sometimes'>>)[code];

/** What every route can answer whatever it does: a failure of ours, or of the database. */
const ALWAYS: readonly AppErrorCode[] = ['INTERNAL', 'DATABASE_UNAVAILABLE'];

/** Every code extraction can answer, on each of its three routes (the legacy one adds URL_MODE_UNSUPPORTED). */
export const EXTRACTION_ERRORS: readonly AppErrorCode[] = [
  'VALIDATION_ERROR',
  'INVALID_INPUT',
  'FILE_EMPTY',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NO_ACTIVE_TOKEN',
  'TOKEN_EXPIRED',
  'TOKEN_DISABLED',
  'TOKEN_INVALID',
  'TOKEN_LIMIT_EXCEEDED',
  'IDEMPOTENCY_CONFLICT',
  'FILE_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_FILE_TYPE',
  'INVALID_FILE',
  'CONTENT_BLOCKED',
  'TOKEN_BUSY',
  'PROVIDER_RATE_LIMITED',
  'COMPANY_BUSY',
  'KEY_DECRYPT_FAILED',
  'MASTER_KEY_REQUIRED',
  'INVALID_MODEL_OUTPUT',
  'PROVIDER_REJECTED',
  'PROVIDER_UNAVAILABLE',
  'DEADLINE_BEFORE_DISPATCH',
  'SHUTTING_DOWN',
  'PROVIDER_TIMEOUT',
];

/** The codes an operation can answer: its own, plus those of its kind (input, admin key, request body). */
export function operationCodes(kind: {
  input: boolean;
  admin: boolean;
  body: boolean;
  errors?: readonly AppErrorCode[] | undefined;
}): AppErrorCode[] {
  const codes = new Set<AppErrorCode>([
    ...(kind.input ? (['VALIDATION_ERROR'] as const) : []),
    ...(kind.admin ? (['UNAUTHORIZED', 'FORBIDDEN'] as const) : []),
    ...(kind.body ? (['PAYLOAD_TOO_LARGE'] as const) : []),
    ...(kind.errors ?? []),
    ...ALWAYS,
  ]);
  return [...codes];
}

export const ERROR_SCHEMA_REF = '#/components/schemas/Error';

const WHY: Partial<Record<AppErrorCode, string>> = {
  UNAUTHORIZED: 'no key, or a key that matches nothing',
  FORBIDDEN: 'a client key where the admin key is needed, or a client key of another company',
  TOKEN_LIMIT_EXCEEDED: "the company's budget is spent: retrying will not help until an operator raises it",
  TOKEN_BUSY: "quota held by requests in flight, or a key's daily quota",
  COMPANY_BUSY: 'too many extractions of the company in flight',
  IDEMPOTENCY_CONFLICT:
    'the key was used for another file, or its first request is still running (then with Retry-After)',
  DATABASE_UNAVAILABLE: 'data.cause is the engine code',
  DEADLINE_BEFORE_DISPATCH:
    'too little of the deadline left to call the provider; data.cause says where the time went',
};

/**
 * The error responses of an operation, one per status, generated from the error table: each
 * lists its codes (the schema's `code` enum) and says when `Retry-After` comes with it.
 */
export function errorResponses(
  codes: readonly AppErrorCode[],
  extra: Record<string, Json> = {},
): Record<string, Json> {
  const byStatus = new Map<number, AppErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_TABLE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const retry = list.map(retryAfterOf);
    const headers: Json = {
      'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
      'X-Client-Request-Id': { $ref: '#/components/headers/X-Client-Request-Id' },
      ...(retry.some((r) => r !== undefined)
        ? {
            'Retry-After': {
              description: `Seconds to wait before retrying (${list.filter((c) => retryAfterOf(c)).join(', ')})`,
              required: retry.every((r) => r === 'always'),
              schema: { type: 'integer', minimum: 0 },
            },
          }
        : {}),
    };
    out[String(status)] = {
      description: list.map((c) => (WHY[c] ? `\`${c}\`: ${WHY[c]}` : `\`${c}\``)).join('; '),
      headers,
      content: {
        'application/json': {
          schema: { allOf: [{ $ref: ERROR_SCHEMA_REF }, { properties: { code: { enum: list } } }] },
        },
      },
    };
  }
  for (const [status, response] of Object.entries(extra)) out[status] = response;
  return out;
}

/** The envelope every failure answers with (tRPC's own error shape aside). */
export const ERROR_SCHEMA: Json = {
  type: 'object',
  description: 'A failure with a stable code; the HTTP status comes from the one error table',
  required: ['status', 'code', 'message'],
  properties: {
    status: { const: 'error' },
    code: { type: 'string', enum: Object.keys(ERROR_TABLE) },
    message: { type: 'string', description: 'What happened, with secrets masked; never the value refused' },
    requestId: { type: 'string', description: "The server's id for the request (also in X-Request-Id)" },
    data: {
      type: 'object',
      description: 'Structured facts: the refused fields (issues), retryAfterSeconds, and the code’s details',
      properties: {
        issues: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
        retryAfterSeconds: { type: 'integer', minimum: 0 },
      },
    },
  },
};
