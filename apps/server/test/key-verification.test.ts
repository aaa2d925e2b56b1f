import { createMemoryLogger } from '@invoicegw/core';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import type { AppRouter } from '../src/trpc/router.ts';
import { ADMIN, fakeKey, startTestServer, type TestServer } from './helpers.ts';

// Keys checked with the provider before they serve, through the real server and the emulator.
let s: TestServer;
const logs = createMemoryLogger();
const BAD = fakeKey('kv-bad');
const REVOKED = fakeKey('kv-revoked');
const GOOD = fakeKey('kv-good');
const SPENT = fakeKey('kv-spent');

beforeAll(async () => {
  s = await startTestServer({}, { console: logs });
});
afterAll(async () => {
  await s.stop();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { ...s.admin, 'content-type': 'application/json', 'x-actor': 'alice' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { data?: unknown } };
};

function trpc() {
  const app = createApp(s.deps);
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: 'http://in-process/trpc',
        headers: { authorization: `Bearer ${ADMIN}` },
        fetch: async (input, init) => app.request(String(input), init),
      }),
    ],
  });
}

describe('keys verified before they serve (server)', () => {
  it('refuses a rejected key at add over REST and tRPC: 422 KEY_REJECTED_BY_PROVIDER with the reason', async () => {
    s.emulator.setKeyState(BAD, 'invalid');
    const refused = await call('POST', '/v1/tokens', { companyId: 'KV1', apiKey: BAD });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'KEY_REJECTED_BY_PROVIDER' });
    expect(String(refused.body.message)).toMatch(/API_KEY_INVALID: API key not valid/);
    expect(JSON.stringify(refused.body)).not.toContain(BAD);

    const error = await trpc()
      .tokens.add.mutate({ companyId: 'KV1', apiKey: BAD })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({
      appCode: 'KEY_REJECTED_BY_PROVIDER',
      httpStatus: 422,
    });
    expect((await call('GET', '/v1/tokens?companyId=KV1')).body).toEqual([]);
  });

  it('refuses a rejected key at rotate and keeps the old one; force rotates it in and the audit says so', async () => {
    const added = await call('POST', '/v1/tokens', { companyId: 'KV2', apiKey: GOOD });
    expect(added.status).toBe(200);
    const tokenId = added.body.tokenId as number;
    s.emulator.setKeyState(REVOKED, 'revoked');
    const refused = await call('POST', `/v1/tokens/${tokenId}/rotate`, { newApiKey: REVOKED });
    expect(refused.status).toBe(422);
    expect(String(refused.body.message)).toMatch(/not rotated in.*CONSUMER_SUSPENDED/);
    expect((await call('GET', `/v1/tokens/${tokenId}`)).body).toMatchObject({
      status: 'Active',
      retiresAt: null,
    });

    const forced = await call('POST', `/v1/tokens/${tokenId}/rotate`, {
      newApiKey: REVOKED,
      force: true,
      reason: 'Google support says the suspension lifts tonight',
    });
    expect(forced.status).toBe(200);
    const current = (forced.body.current as { tokenId: number; warnings?: string[] }).tokenId;
    const audit = (await call('GET', `/v1/audit?tokenId=${current}`)).body as unknown as Array<{
      action: string;
      actor: string;
      after: { verification?: unknown };
    }>;
    expect(audit.find((a) => a.action === 'token.add')).toMatchObject({
      actor: 'alice',
      after: { verification: { state: 'rejected', code: 'CONSUMER_SUSPENDED', forced: true } },
    });
  });

  it('verify reports each key state: ok, rejected, quota', async () => {
    const ids: number[] = [];
    for (const key of [fakeKey('kv-v-ok'), fakeKey('kv-v-rev'), SPENT]) {
      const added = await call('POST', '/v1/tokens', { companyId: 'KV3', apiKey: key });
      ids.push(added.body.tokenId as number);
    }
    s.emulator.setKeyState(fakeKey('kv-v-rev'), 'revoked');
    s.emulator.setKeyState(SPENT, 'daily_quota');
    const verified = await call('POST', '/v1/tokens/verify', { companyId: 'KV3' });
    expect(verified.status).toBe(200);
    const rows = verified.body as unknown as Array<{
      tokenId: number;
      check: { state: string; code: string };
    }>;
    expect(rows.map((r) => [r.tokenId, r.check.state, r.check.code])).toEqual([
      [ids[0], 'ok', 'OK'],
      [ids[1], 'rejected', 'CONSUMER_SUSPENDED'],
      [ids[2], 'quota', 'DAILY_QUOTA_EXHAUSTED'],
    ]);
    const one = await trpc().tokens.verify.mutate({ tokenId: ids[1]! });
    expect(one.map((r) => r.check.state)).toEqual(['rejected']);
    expect((await call('POST', '/v1/tokens/verify', { tokenId: 999_999 })).status).toBe(404);
  });

  it('never logs a key it checked', () => {
    const text = JSON.stringify(logs.records);
    for (const key of [BAD, REVOKED, GOOD, SPENT]) expect(text).not.toContain(key);
  });
});

describe('the dashboard', () => {
  it('refuses a rejected key at rotate with the reason, rotates it in when forced, and checks a key on demand', async () => {
    const app = createApp(s.deps);
    const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' };
    const signIn = await app.request('/ui/sign-in', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ adminKey: ADMIN, operator: 'olga' }).toString(),
    });
    const cookie = /igw_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const post = (path: string, fields: Record<string, string>) =>
      app.request(path, {
        method: 'POST',
        headers: { ...FORM, cookie },
        body: new URLSearchParams(fields).toString(),
      });
    const added = await call('POST', '/v1/tokens', { companyId: 'KV5', apiKey: fakeKey('kv-web-old') });
    const tokenId = added.body.tokenId as number;
    const NEW = fakeKey('kv-web-new');
    s.emulator.setKeyState(NEW, 'invalid');

    const refused = await post(`/ui/keys/${tokenId}/rotate`, { newApiKey: NEW, graceSeconds: '60' });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toMatch(/The key was not rotated in: the provider rejected the key \(API_KEY_INVALID/);
    expect(page).toContain('name="force"');
    expect(page).not.toContain(NEW);

    const forced = await post(`/ui/keys/${tokenId}/rotate`, {
      newApiKey: NEW,
      graceSeconds: '60',
      force: '1',
    });
    expect(forced.status).toBe(303);
    const newId = Number(/\/ui\/keys\/(\d+)/.exec(forced.headers.get('location') ?? '')?.[1]);
    expect(newId).toBeGreaterThan(tokenId);
    const checked = await post(`/ui/keys/${newId}/verify`, {});
    expect(checked.status).toBe(303);
    const shown = await (await app.request(checked.headers.get('location')!, { headers: { cookie } })).text();
    expect(shown).toContain('Checked with Gemini');
    expect(shown).toMatch(
      /Last checked with Gemini:.*?<strong>rejected<\/strong>.*?API_KEY_INVALID: API key not valid/s,
    );
    expect(shown).not.toContain(NEW);
  });
});

describe('VERIFY_KEYS_ON_ADD=false', () => {
  it('admits keys unchecked (no probe) and turns tokens verify off', async () => {
    const off = await startTestServer({ VERIFY_KEYS_ON_ADD: 'false' });
    try {
      off.emulator.setKeyState(BAD, 'invalid');
      const res = await fetch(`${off.url}/v1/tokens`, {
        method: 'POST',
        headers: { ...off.admin, 'content-type': 'application/json' },
        body: JSON.stringify({ companyId: 'KV4', apiKey: BAD }),
      });
      expect(res.status).toBe(200);
      expect(off.emulator.probes()).toEqual([]);
      const verify = await fetch(`${off.url}/v1/tokens/verify`, {
        method: 'POST',
        headers: { ...off.admin, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(verify.status).toBe(400);
      expect(await verify.json()).toMatchObject({ message: expect.stringMatching(/VERIFY_KEYS_ON_ADD/) });
    } finally {
      await off.stop();
    }
  });
});
