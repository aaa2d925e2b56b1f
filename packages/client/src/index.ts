import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
  TRPCClientError,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
// `.js`: the path the built index.d.ts keeps, where the build writes a self-contained app-router.d.ts.
import type { AppErrorCode, AppRouter } from './app-router.js';

export type { AppErrorCode, AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** What one extraction returns: the invoice, its warnings and what it cost. */
export type ExtractionOutput = RouterOutputs['extraction']['extract'];
/** The invoice, with the old service's field names. */
export type Invoice = ExtractionOutput['data'];
export type TokenView = RouterOutputs['tokens']['get'];

export interface ClientOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  /** For token, monitoring and client-key operations. */
  adminKey?: string | undefined;
  /** For extraction when the gateway requires client keys. */
  clientKey?: string | undefined;
  /** Who the audit trail names for changes made with the admin key. */
  actor?: string | undefined;
  /** Another fetch (tests, proxies). */
  fetch?: typeof fetch;
}

export type GatewayClient = TRPCClient<AppRouter>;

/**
 * The typed client. Uploads (FormData) go through a plain link, everything else is batched.
 */
export function createClient(options: ClientOptions): GatewayClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const secret = options.adminKey ?? options.clientKey;
  const headers = () => ({
    ...(secret ? { authorization: `Bearer ${secret}` } : {}),
    ...(options.actor ? { 'x-actor': options.actor } : {}),
  });
  const link = { url, headers, ...(options.fetch ? { fetch: options.fetch } : {}) };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink(link),
        false: httpBatchLink(link),
      }),
    ],
  });
}

/** The form `extraction.extract` takes. */
export function extractionForm(input: {
  file: Blob;
  fileName?: string;
  companyId: string;
  username?: string;
  branch?: string;
  idempotencyKey?: string;
}): FormData {
  const form = new FormData();
  form.set('file', input.file, input.fileName ?? 'invoice');
  form.set('companyId', input.companyId);
  if (input.username) form.set('username', input.username);
  if (input.branch) form.set('branch', input.branch);
  if (input.idempotencyKey) form.set('idempotencyKey', input.idempotencyKey);
  return form;
}

/**
 * A failed call's code: one of the gateway's codes, or `UNKNOWN` when the answer did not come from
 * the gateway (unreachable, a proxy's error page).
 */
export type GatewayErrorCode = AppErrorCode | 'UNKNOWN';

type GatewayErrorData = NonNullable<TRPCClientError<AppRouter>['data']>;

/** What `gatewayError` tells about a failed call. */
export interface GatewayError {
  code: GatewayErrorCode;
  /** The HTTP status the gateway answered with; undefined when it did not answer. */
  status: number | undefined;
  message: string;
  /** For 429 and 503: when to try again. */
  retryAfterSeconds?: number;
}

/** The gateway's stable error code of a failed call (e.g. TOKEN_EXPIRED), and its HTTP status. */
export function gatewayError(error: unknown): GatewayError | undefined {
  if (error instanceof GatewayHttpError)
    return {
      code: error.code,
      status: error.status,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  if (!(error instanceof TRPCClientError)) return undefined;
  // The gateway's error formatter always sends this; anything else (a proxy's page) may not.
  const data = (error as TRPCClientError<AppRouter>).data as Partial<GatewayErrorData> | undefined;
  return {
    code: data?.appCode ?? 'UNKNOWN',
    status: data?.httpStatus,
    message: error.message,
    ...(data?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: data.retryAfterSeconds }),
  };
}

export { TRPCClientError };

/** A refusal from one of the gateway's plain routes (not tRPC), with its code and status. */
export class GatewayHttpError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    readonly status: number,
    message: string,
    /** The error's `data` (for a VALIDATION_ERROR, `issues`: path and message). */
    readonly data: Record<string, unknown> = {},
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(message);
    this.name = 'GatewayHttpError';
  }
}

export interface UsageExportQuery {
  /** Inclusive: a day (YYYY-MM-DD) or an ISO-8601 instant with its zone. */
  from: string;
  /** Exclusive. */
  to: string;
  format?: 'csv' | 'json';
  company?: string;
}

/**
 * `GET /v1/usage/export`: usage per day, company, key, branch and user, as the gateway streams
 * it (CSV with a header, or a JSON array). A plain route, since a tRPC answer is one value: the
 * bytes come as the gateway reads them, so any size fits in memory. A refusal (bad period, wrong
 * key) is a GatewayHttpError; a body that ends early means the export failed part way.
 */
export async function exportUsage(
  options: ClientOptions,
  query: UsageExportQuery,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const url = new URL(`${options.url.replace(/\/+$/, '')}/v1/usage/export`);
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(name, value);
  const secret = options.adminKey ?? options.clientKey;
  const res = await (options.fetch ?? fetch)(url, {
    headers: {
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
      ...(options.actor ? { 'x-actor': options.actor } : {}),
    },
    ...(signal ? { signal } : {}),
  });
  if (res.ok && res.body) return res.body;
  const text = await res.text().catch(() => '');
  let body: { code?: string; message?: string; data?: Record<string, unknown> } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the gateway's envelope (a proxy's page).
  }
  const retry = Number(res.headers.get('retry-after'));
  throw new GatewayHttpError(
    (body.code as GatewayErrorCode | undefined) ?? 'UNKNOWN',
    res.status,
    body.message ?? `HTTP ${res.status}`,
    body.data ?? {},
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}
