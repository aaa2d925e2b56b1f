import { connect } from 'node:net';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLogger } from '../src/logging/console-logger.ts';
import { ADMIN, fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// What the server writes and shows about a request is its own: its request id, one console
// line per record, no secrets in the audit trail, validation failures as warnings.
let s: TestServer;
const lines: string[] = [];
const PDF = renderInvoicePdf(DEMO_INVOICE);
/** Google-shaped (AIza + 35), unlike the suite's fakeKey. */
const GOOGLE_KEY = `AIzaSy${'Q'.repeat(20)}_-0123456789abc`;

beforeAll(async () => {
  s = await startTestServer(
    { CACHE_MAX_ENTRIES: '0' },
    { console: createConsoleLogger((line) => lines.push(line)) },
  );
  for (const company of ['NT047', 'AB001'])
    await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: company, apiKey: fakeKey(`hyg-${company}`) }),
    });
});
afterAll(async () => {
  await s.stop();
});

const db = () => s.deps.core.db.db;
const flushedLogs = async (requestId: string) => {
  await s.deps.logSink.flush();
  return db().selectFrom('ApplicationLogs').selectAll().where('RequestID', '=', requestId).execute();
};

describe('request ids', () => {
  it("a client's X-Request-Id is a correlation field, never the server's request id", async () => {
    const ids: string[] = [];
    for (const company of ['NT047', 'AB001']) {
      const res = await fetch(`${s.url}/extract`, {
        method: 'POST',
        headers: { 'x-request-id': 'dup-123' },
        body: uploadForm({ companyID: company, username: 'u' }, { bytes: PDF }),
      });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-request-id')!;
      expect(id).not.toBe('dup-123');
      expect(res.headers.get('x-client-request-id')).toBe('dup-123');
      expect(((await res.json()) as { meta: { requestId: string } }).meta.requestId).toBe(id);
      ids.push(id);
      const logs = await flushedLogs(id);
      // The success's one record carries the caller's id beside the server's.
      const record = logs.find((l) => l.Logger === 'extraction');
      expect(JSON.parse(record!.Context!)).toMatchObject({ clientRequestId: 'dup-123' });
    }
    expect(new Set(ids).size).toBe(2);
    const rows = await db().selectFrom('TokenUsageLogs').select(['RequestID', 'CompanyID']).execute();
    expect(rows.map((r) => r.RequestID).sort()).toEqual([...ids].sort());
    expect(rows.map((r) => r.RequestID)).not.toContain('dup-123');
  });

  it('clips a long client id to 200 printable characters', async () => {
    const res = await fetch(`${s.url}/`, { headers: { 'x-request-id': `a\tb${'c'.repeat(500)}` } });
    expect(res.headers.get('x-client-request-id')).toBe(`ab${'c'.repeat(198)}`);
  });
});

describe('console lines', () => {
  it('a newline in a field, a path or a header cannot forge a console line', async () => {
    lines.length = 0;
    const forged = 'INFO extraction: Invoice extracted (forged)';
    await fetch(`${s.url}/extract`, {
      method: 'POST',
      body: uploadForm({ companyID: `NT047\n${forged}`, username: 'u' }, { bytes: PDF }),
    });
    await fetch(`${s.url}/nope%0A${encodeURIComponent(forged)}%0D%1B[2J`);
    await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json', 'x-actor': 'eve' },
      body: JSON.stringify({ companyId: `X\n${forged}`, apiKey: fakeKey('forge') }),
    });
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      expect(line).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
      expect(line.startsWith(forged)).toBe(false);
    }
    expect(lines.some((l) => l.includes('\\n'))).toBe(true);
  });
});

describe('secrets in what operators type', () => {
  it('a key pasted into reason or X-Actor is stored and shown redacted', async () => {
    const clientKey = `igw_ck_${'z'.repeat(30)}`;
    const headers = {
      ...s.admin,
      'content-type': 'application/json',
      'x-actor': `ops ${GOOGLE_KEY}`,
    };
    const added = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        companyId: 'RD001',
        apiKey: fakeKey('redact'),
        reason: `new key is ${GOOGLE_KEY}, admin ${ADMIN}, client ${clientKey}`,
      }),
    });
    expect(added.status).toBe(200);
    const { tokenId } = (await added.json()) as { tokenId: number };
    await fetch(`${s.url}/v1/tokens/${tokenId}/status`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ status: 'Disabled', reason: `leaked ${GOOGLE_KEY}` }),
    });
    const stored = JSON.stringify(await db().selectFrom('AuditLog').selectAll().execute());
    const shown = await (await fetch(`${s.url}/v1/audit?companyId=RD001`, { headers: s.admin })).text();
    const token = await (await fetch(`${s.url}/v1/tokens/${tokenId}`, { headers: s.admin })).text();
    for (const text of [stored, shown, token]) {
      expect(text).not.toContain(GOOGLE_KEY);
      expect(text).not.toContain(ADMIN);
      expect(text).not.toContain(clientKey);
    }
    const audit = JSON.parse(shown) as Array<{ actor: string; reason: string; action: string }>;
    expect(audit.map((a) => a.action)).toEqual(['token.status', 'token.add']);
    expect(audit[1]!.actor).toMatch(/^ops AIza.*redacted/);
    expect(audit[1]!.reason).toContain('new key is AIza');
    expect(audit[1]!.reason).toContain('redacted');
    await s.deps.logSink.flush();
    const logs = JSON.stringify(await db().selectFrom('ApplicationLogs').selectAll().execute());
    expect(logs).not.toContain(GOOGLE_KEY);
    expect(logs).not.toContain(ADMIN);
  });
});

describe('validation failures', () => {
  it('are WARNINGs without a stack, never ERRORs, on tRPC and REST', async () => {
    const form = new FormData();
    form.set('companyId', 'A');
    const trpc = await fetch(`${s.url}/trpc/extraction.extract`, { method: 'POST', body: form });
    expect(trpc.status).toBe(400);
    const rest = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: '', apiKey: 'x' }),
    });
    expect(rest.status).toBe(400);
    const batch = await fetch(
      `${s.url}/trpc/tokens.get?batch=1&input=${encodeURIComponent('{"0":{"tokenId":"x"}}')}`,
      {
        headers: s.admin,
      },
    );
    expect(batch.status).toBe(400);
    for (const res of [trpc, rest, batch]) {
      const logs = await flushedLogs(res.headers.get('x-request-id')!);
      expect(logs.filter((l) => l.LogLevel === 'ERROR' || l.LogLevel === 'CRITICAL')).toEqual([]);
      const warning = logs.find((l) => l.LogLevel === 'WARNING');
      expect(warning, res.url).toBeDefined();
      expect(warning!.Exception).toBeNull();
      expect(warning!.Message).toMatch(/invalid|validation/i);
    }
    const recent = await (await fetch(`${s.url}/v1/monitoring/recent-errors`, { headers: s.admin })).json();
    expect(recent).toEqual([]);
  });
});

describe('a request the HTTP parser cannot read', () => {
  it('gets the JSON error with a stable code and a request id, not a bare 400', async () => {
    const { port } = new URL(s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        // A head no HTTP parser accepts.
        socket.end('POST /extract HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
      });
      let text = '';
      socket.on('data', (d) => {
        text += d;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/x-request-id: [0-9a-f-]{36}/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', code: 'VALIDATION_ERROR' });
    expect((await fetch(`${s.url}/`)).status).toBe(200);
  });
});
