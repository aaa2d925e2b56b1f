import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countOpenReservations, findLedgerViolations, openDatabase } from '@invoicegw/db';
import { DEMO_INVOICE, type Emulator, renderInvoicePdf, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaEnv, type ServerInstance, startServerProcess } from './server-instance.ts';

// Two server processes on one SQLite file: the result cache and Idempotency-Key records are in
// the database, so an upload answered by one is answered by the other (and by both after a
// restart) without another provider call or charge.
const ADMIN = 'shared-results-admin-key';

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
const children: ChildProcess[] = [];

type Instance = ServerInstance;

const startInstance = () => startServerProcess(env, children);

async function stopInstance(instance: Instance): Promise<void> {
  instance.child.kill('SIGTERM');
  expect(await instance.exited).toBe(0);
}

interface Answer {
  status: number;
  body: {
    status: string;
    code?: string;
    message?: string;
    data?: unknown;
    meta?: { requestId: string; cached: boolean; idempotentReplay: boolean; usage: { totalTokens: number } };
  };
  retryAfter: string | null;
}

async function upload(url: string, file: Buffer, idempotencyKey?: string): Promise<Answer> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(file)], { type: 'application/pdf' }), 'invoice.pdf');
  form.set('companyID', 'NT047');
  form.set('username', 'tester');
  const res = await fetch(`${url}/extract`, {
    method: 'POST',
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    body: form,
  });
  return {
    status: res.status,
    body: (await res.json()) as Answer['body'],
    retryAfter: res.headers.get('retry-after'),
  };
}

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 10 });
  dir = mkdtempSync(join(tmpdir(), 'igw-shared-'));
  env = replicaEnv(dir, emulator.url, ADMIN, {
    GEMINI_INITIAL_DELAY_MS: '10',
    GEMINI_MAX_DELAY_MS: '100',
    GEMINI_ATTEMPT_TIMEOUT_MS: '5000',
  });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two instances, one database: shared result cache and idempotency records', () => {
  it('one provider call and one charge per upload and per key, across instances and a restart', async () => {
    let [a, b] = await Promise.all([startInstance(), startInstance()]);
    const added = await fetch(`${a!.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ companyId: 'NT047', apiKey: 'AIzaFAKE-shared-results-xxxxxxxxxxxx' }),
    });
    expect(added.status).toBe(200);
    const calls = () => emulator.requests().length;

    // An identical upload to each instance: the second is answered from the first's row.
    const invoice = renderInvoicePdf(DEMO_INVOICE);
    const first = await upload(a!.url, invoice);
    const second = await upload(b!.url, invoice);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.meta).toMatchObject({ cached: false });
    expect(second.body.meta).toMatchObject({ cached: true, usage: { totalTokens: 0 } });
    expect(second.body.data).toEqual(first.body.data);
    expect(calls()).toBe(1);

    // The same Idempotency-Key to both, one after the other.
    const seqFile = renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'SEQ-1' });
    const seqA = await upload(a!.url, seqFile, 'key-seq');
    const seqB = await upload(b!.url, seqFile, 'key-seq');
    expect([seqA.status, seqB.status]).toEqual([200, 200]);
    expect(seqA.body.meta).toMatchObject({ idempotentReplay: false });
    expect(seqB.body.meta).toMatchObject({ idempotentReplay: true, usage: { totalTokens: 0 } });
    expect(seqB.body.data).toEqual(seqA.body.data);
    expect(calls()).toBe(2);

    // ... and at once, while the provider is slow: one waits for the other's result.
    emulator.queueFaults([{ type: 'slow', delayMs: 400 }]);
    const concFile = renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'CONC-1' });
    const [concA, concB] = await Promise.all([
      upload(a!.url, concFile, 'key-conc'),
      upload(b!.url, concFile, 'key-conc'),
    ]);
    expect([concA.status, concB.status]).toEqual([200, 200]);
    expect([concA.body.meta?.idempotentReplay, concB.body.meta?.idempotentReplay].sort()).toEqual([
      false,
      true,
    ]);
    expect(concB.body.data).toEqual(concA.body.data);
    expect(calls()).toBe(3);

    // Two identical uploads at once to one instance: they share one provider call.
    emulator.queueFaults([{ type: 'slow', delayMs: 400 }]);
    const twinFile = renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'TWIN-1' });
    const twins = await Promise.all([upload(a!.url, twinFile), upload(a!.url, twinFile)]);
    expect(twins.map((t) => t.status)).toEqual([200, 200]);
    expect(twins.map((t) => t.body.meta?.cached).sort()).toEqual([false, true]);
    expect(twins[1]!.body.data).toEqual(twins[0]!.body.data);
    expect(calls()).toBe(4);

    // Another file under a used key is refused by either instance.
    const conflict = await upload(b!.url, invoice, 'key-seq');
    expect(conflict).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_CONFLICT' } });

    // Both stop; two new processes answer from the same records.
    await Promise.all([stopInstance(a!), stopInstance(b!)]);
    [a, b] = await Promise.all([startInstance(), startInstance()]);
    const cachedAfter = await upload(b!.url, invoice);
    expect(cachedAfter.body.meta).toMatchObject({ cached: true, usage: { totalTokens: 0 } });
    expect(cachedAfter.body.data).toEqual(first.body.data);
    const replayAfter = await upload(a!.url, seqFile, 'key-seq');
    expect(replayAfter.body.meta).toMatchObject({ idempotentReplay: true, usage: { totalTokens: 0 } });
    expect(replayAfter.body.data).toEqual(seqA.body.data);
    expect(calls()).toBe(4);
    const status = (await (await fetch(`${a!.url}/cache/status`)).json()) as {
      cache: { item_count: number };
    };
    expect(status.cache.item_count).toBe(4);

    const db = await openDatabase({ kind: 'sqlite', filename: join(dir, 'shared.sqlite') });
    try {
      const rows = await db.db
        .selectFrom('TokenUsageLogs')
        .select(['RequestID', 'TotalTokensUsed'])
        .execute();
      expect(rows).toHaveLength(4);
      expect(rows.reduce((s, r) => s + r.TotalTokensUsed, 0)).toBe(emulator.stats().totalChargedTokens);
      expect(rows.map((r) => r.RequestID).sort()).toEqual(
        [
          first,
          seqA,
          concA.body.meta!.idempotentReplay ? concB : concA,
          twins[0]!.body.meta!.cached ? twins[1]! : twins[0]!,
        ]
          .map((x) => x.body.meta!.requestId)
          .sort(),
      );
      expect(await countOpenReservations(db)).toBe(0);
      expect(await findLedgerViolations(db)).toEqual([]);
      expect(
        await db.db
          .selectFrom('IdempotencyKeys')
          .select(['IdempotencyKey', 'State'])
          .orderBy('IdempotencyKey')
          .execute(),
      ).toEqual([
        { IdempotencyKey: 'key-conc', State: 'done' },
        { IdempotencyKey: 'key-seq', State: 'done' },
      ]);
    } finally {
      await db.close();
    }
    await Promise.all([stopInstance(a!), stopInstance(b!)]);
  }, 120_000);
});
