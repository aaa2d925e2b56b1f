import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import type { AppRouter } from '../src/trpc/router.ts';
import { ADMIN, fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// The same flows in-process: a typed tRPC client whose fetch is app.request (no port).
let s: TestServer;
let client: ReturnType<typeof makeClient>;

function makeClient(headers: Record<string, string>) {
  const app = createApp(s.deps);
  const fetch = async (input: string | URL | Request, init?: RequestInit) =>
    app.request(input instanceof Request ? input : String(input), init);
  const url = 'http://in-process/trpc';
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink({ url, headers, fetch }),
        false: httpBatchLink({ url, headers, fetch }),
      }),
    ],
  });
}

beforeAll(async () => {
  s = await startTestServer({ CACHE_MAX_ENTRIES: '0' });
  client = makeClient({ authorization: `Bearer ${ADMIN}`, 'x-actor': 'alice' });
});
afterAll(async () => {
  await s.stop();
});

const PDF = renderInvoicePdf(DEMO_INVOICE);

async function trpcError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TRPCClientError) return e as TRPCClientError<AppRouter>;
    throw e;
  }
  throw new Error('expected an error');
}

describe('the typed tRPC client, in process', () => {
  it('adds a key, extracts an upload, reports usage, and shows the audit trail', async () => {
    const token = await client.tokens.add.mutate({
      companyId: 'NT047',
      apiKey: fakeKey('trpc'),
      totalTokenLimit: 50_000,
      reason: 'onboarding',
    });
    expect(token).toMatchObject({ companyId: 'NT047', keyHint: 'AIza…xxx', status: 'Active' });
    expect(JSON.stringify(token)).not.toContain(fakeKey('trpc'));

    const result = await client.extraction.extract.mutate(
      uploadForm({ companyId: 'NT047', username: 'tester', branch: 'HQ' }, { bytes: PDF }),
    );
    expect(result.data.invoice_no).toBe('INV-2026-0042');
    expect(result.usage.totalTokens).toBeGreaterThan(0);

    const [byUser] = await client.monitoring.usage.query({ groupBy: 'user' });
    expect(byUser).toMatchObject({ key: 'tester', requests: 1, totalTokens: result.usage.totalTokens });
    const [status] = await client.monitoring.tokenStatus.query({ companyId: 'NT047' });
    expect(status).toMatchObject({ totalUsedTokens: result.usage.totalTokens, health: 'OK' });
    expect(await client.tokens.list.query({ companyId: 'NT047' })).toHaveLength(1);

    await client.tokens.setStatus.mutate({ tokenId: token.tokenId, status: 'Expired', reason: 'test' });
    const expired = await trpcError(
      client.extraction.extract.mutate(uploadForm({ companyId: 'NT047' }, { bytes: PDF })),
    );
    expect(expired.data).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403, appCode: 'TOKEN_EXPIRED' });
    expect(expired.message).toContain('Token expired');
    await client.tokens.setStatus.mutate({ tokenId: token.tokenId, status: 'Active' });

    const audit = await client.tokens.audit.query({ tokenId: token.tokenId });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['token.status', 'alice'],
      ['token.status', 'alice'],
      ['token.add', 'alice'],
    ]);
    await s.deps.logSink.flush();
    const logs = await client.monitoring.logs.query({ requestId: result.requestId });
    expect(logs.some((l) => l.message?.includes('Invoice extracted'))).toBe(true);
  });

  it('maps domain errors to tRPC codes and statuses from one table', async () => {
    expect((await trpcError(client.tokens.get.query({ tokenId: 999 }))).data).toMatchObject({
      code: 'NOT_FOUND',
      httpStatus: 404,
      appCode: 'TOKEN_NOT_FOUND',
    });
    const dup = await trpcError(client.tokens.add.mutate({ companyId: 'NT047', apiKey: fakeKey('trpc') }));
    expect(dup.data).toMatchObject({ code: 'CONFLICT', httpStatus: 409, appCode: 'DUPLICATE_KEY' });
    const bad = await trpcError(client.tokens.setLimit.mutate({ tokenId: 1, totalTokenLimit: -5 }));
    expect(bad.data).toMatchObject({ code: 'BAD_REQUEST', appCode: 'VALIDATION_ERROR' });
    const empty = await trpcError(
      client.extraction.extract.mutate(uploadForm({ companyId: 'NT047' }, { bytes: Buffer.alloc(0) })),
    );
    expect(empty.data).toMatchObject({ httpStatus: 400, appCode: 'FILE_EMPTY' });
    expect(empty.message).toBe('File is empty');
  });

  it('refuses token and monitoring operations without the admin key', async () => {
    const anonymous = makeClient({});
    expect((await trpcError(anonymous.tokens.list.query({}))).data).toMatchObject({
      code: 'UNAUTHORIZED',
      httpStatus: 401,
    });
    const wrong = makeClient({ authorization: 'Bearer not-the-admin-key' });
    expect((await trpcError(wrong.monitoring.logs.query({}))).data).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await anonymous.monitoring.health.query()).status).toBe('active');
  });
});
