import { Hono } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { ServerError } from '../errors/error-table.ts';
import { runExtraction } from '../extraction/run-extraction.ts';
import { IDEMPOTENCY_HEADER, uploadFieldsOrThrow } from '../extraction/upload-fields.ts';
import { uploadedFile } from '../extraction/uploaded-file.ts';
import type { TrpcContext } from '../trpc/init.ts';
import { appRouter } from '../trpc/router.ts';
import { createClientKeyInput } from '../trpc/routers/clients/create.ts';
import { listClientKeysInput } from '../trpc/routers/clients/list.ts';
import { revokeClientKeyInput } from '../trpc/routers/clients/revoke.ts';
import { invalidateCacheInput } from '../trpc/routers/monitoring/invalidate-cache.ts';
import { logsInput } from '../trpc/routers/monitoring/logs.ts';
import { retryStatsInput } from '../trpc/routers/monitoring/retry-stats.ts';
import { tokenStatusInput } from '../trpc/routers/monitoring/token-status.ts';
import { usageInput } from '../trpc/routers/monitoring/usage.ts';
import { addTokenInput } from '../trpc/routers/tokens/add.ts';
import { tokenAuditInput } from '../trpc/routers/tokens/audit.ts';
import { encryptLegacyKeysInput } from '../trpc/routers/tokens/encrypt-legacy-keys.ts';
import { getTokenInput } from '../trpc/routers/tokens/get.ts';
import { listTokensInput } from '../trpc/routers/tokens/list.ts';
import { removeTokenInput } from '../trpc/routers/tokens/remove.ts';
import { rotateTokenInput } from '../trpc/routers/tokens/rotate.ts';
import { setTokenExpiryInput } from '../trpc/routers/tokens/set-expiry.ts';
import { setTokenLimitInput } from '../trpc/routers/tokens/set-limit.ts';
import { setTokenStatusInput } from '../trpc/routers/tokens/set-status.ts';
import { parseForm } from './parse-form.ts';

/** One REST route: a path over a tRPC procedure, with the schema its input is checked against. */
export interface RestRoute {
  method: 'get' | 'post' | 'delete';
  path: string;
  procedure: string;
  summary: string;
  tag: 'tokens' | 'monitoring' | 'clients' | 'extraction';
  input: z.ZodType | undefined;
  admin: boolean;
}

const route = (
  method: RestRoute['method'],
  path: string,
  procedure: string,
  summary: string,
  input: z.ZodType | undefined,
  tag: RestRoute['tag'],
  admin = true,
): RestRoute => ({
  method,
  path,
  procedure,
  summary,
  input,
  tag,
  admin,
});

/** The JSON procedures as REST under /v1, for callers that do not speak tRPC. */
export const REST_ROUTES: RestRoute[] = [
  route(
    'get',
    '/v1/health',
    'monitoring.health',
    'Service and database health',
    undefined,
    'monitoring',
    false,
  ),
  route(
    'get',
    '/v1/tokens',
    'tokens.list',
    'List keys (masked) with usage and health',
    listTokensInput,
    'tokens',
  ),
  route('post', '/v1/tokens', 'tokens.add', 'Register a key for a company', addTokenInput, 'tokens'),
  route(
    'post',
    '/v1/tokens/encrypt-legacy',
    'tokens.encryptLegacyKeys',
    'Encrypt every legacy plaintext key now',
    encryptLegacyKeysInput,
    'tokens',
  ),
  route(
    'get',
    '/v1/tokens/{tokenId}',
    'tokens.get',
    'One key (masked) with usage and health',
    getTokenInput,
    'tokens',
  ),
  route(
    'delete',
    '/v1/tokens/{tokenId}',
    'tokens.remove',
    'Remove a key (soft: history stays)',
    removeTokenInput,
    'tokens',
  ),
  route(
    'post',
    '/v1/tokens/{tokenId}/rotate',
    'tokens.rotate',
    'Replace a key with a grace period',
    rotateTokenInput,
    'tokens',
  ),
  route(
    'post',
    '/v1/tokens/{tokenId}/status',
    'tokens.setStatus',
    'Set a key status',
    setTokenStatusInput,
    'tokens',
  ),
  route(
    'post',
    '/v1/tokens/{tokenId}/limit',
    'tokens.setLimit',
    'Set a key limit and threshold',
    setTokenLimitInput,
    'tokens',
  ),
  route(
    'post',
    '/v1/tokens/{tokenId}/expiry',
    'tokens.setExpiry',
    'Set or clear a key expiry',
    setTokenExpiryInput,
    'tokens',
  ),
  route('get', '/v1/audit', 'tokens.audit', 'The audit trail of key changes', tokenAuditInput, 'tokens'),
  route(
    'get',
    '/v1/monitoring/token-status',
    'monitoring.tokenStatus',
    'vw_TokenStatus',
    tokenStatusInput,
    'monitoring',
  ),
  route(
    'get',
    '/v1/monitoring/usage-summary',
    'monitoring.usageSummary',
    'vw_UsageSummary',
    undefined,
    'monitoring',
  ),
  route(
    'get',
    '/v1/monitoring/usage',
    'monitoring.usage',
    'Usage per company, key, branch, user or day',
    usageInput,
    'monitoring',
  ),
  route(
    'get',
    '/v1/monitoring/recent-errors',
    'monitoring.recentErrors',
    'vw_RecentErrors',
    undefined,
    'monitoring',
  ),
  route(
    'get',
    '/v1/monitoring/retry-stats',
    'monitoring.retryStats',
    'Failed attempts by error, and vw_FailedRetries',
    retryStatsInput,
    'monitoring',
  ),
  route(
    'get',
    '/v1/monitoring/cache-status',
    'monitoring.cacheStatus',
    'Result cache statistics',
    undefined,
    'monitoring',
  ),
  route(
    'post',
    '/v1/monitoring/cache/invalidate',
    'monitoring.invalidateCache',
    'Empty the result cache',
    invalidateCacheInput,
    'monitoring',
  ),
  route(
    'get',
    '/v1/monitoring/logs',
    'monitoring.logs',
    'ApplicationLogs with filters and paging',
    logsInput,
    'monitoring',
  ),
  route('get', '/v1/clients', 'clients.list', 'List client keys (masked)', listClientKeysInput, 'clients'),
  route(
    'post',
    '/v1/clients',
    'clients.create',
    'Issue a client key for a company (shown once)',
    createClientKeyInput,
    'clients',
  ),
  route(
    'delete',
    '/v1/clients/{clientKeyId}',
    'clients.revoke',
    'Revoke a client key',
    revokeClientKeyInput,
    'clients',
  ),
];

const ARRAY_QUERY = new Set(['levels']);

/** Query strings carry text; the procedures' own schemas coerce and check it. */
function queryInput(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key).flatMap((v) => v.split(','));
    out[key] = ARRAY_QUERY.has(key) ? values : values[0];
  }
  return out;
}

export function restRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const createCaller = (ctx: TrpcContext) => appRouter.createCaller(ctx);
  for (const r of REST_ROUTES) {
    const honoPath = r.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(r.method.toUpperCase(), honoPath, async (c) => {
      const body = r.method === 'post' ? await c.req.json().catch(() => ({})) : {};
      const input = {
        ...queryInput(new URL(c.req.url)),
        ...(typeof body === 'object' && body ? body : {}),
        ...c.req.param(),
      };
      const caller = createCaller({
        deps: c.get('deps'),
        requestId: c.get('requestId'),
        receivedAt: c.get('receivedAt'),
        auth: c.get('auth'),
      }) as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;
      const [group, name] = r.procedure.split('.') as [string, string];
      const result = await caller[group]![name]!(r.input ? input : undefined);
      return c.json(result as object);
    });
  }
  // Uploads are multipart, which tRPC's JSON-over-REST cannot carry: one hand-written route.
  app.post('/v1/extract', async (c) => {
    const form = await parseForm(c);
    const fields = uploadFieldsOrThrow(form, c.req.header(IDEMPOTENCY_HEADER));
    const file = form.get('file');
    if (!(file instanceof Blob)) throw new ServerError('VALIDATION_ERROR', 'file is required');
    // runExtraction checks the credential against the company, as for every other route.
    const result = await runExtraction(c.get('deps'), c.get('auth'), {
      requestId: c.get('requestId'),
      receivedAt: c.get('receivedAt'),
      ...fields,
      file: await uploadedFile(file),
    });
    return c.json(result);
  });
  return app;
}
