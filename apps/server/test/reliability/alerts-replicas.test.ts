import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAlertSignature } from '@invoicegw/core';
import { openDatabase } from '@invoicegw/db';
import { type Emulator, startEmulator } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, until } from '../alerts/webhook-receiver.ts';
import { replicaEnv, type ServerInstance, startServerProcess } from './server-instance.ts';

// Webhook alerts from three server processes on one SQLite file: the replicas that start see
// the same expiring keys and enqueue their alerts, yet each is delivered once (one 500, then one
// 200), signed; and an alert still pending when every process stops is delivered after a restart.
const ADMIN = 'alerts-replicas-admin-key';
let emulator: Emulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let dir: string;
let env: Record<string, string>;
const children: ChildProcess[] = [];
const KEYS = [0, 1, 2].map((n) => `AIzaFAKE-alerts-replica-${n}-xxxxxxxxxx`);

beforeAll(async () => {
  emulator = await startEmulator();
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'igw-alerts-'));
  env = replicaEnv(dir, emulator.url, ADMIN, {
    ALERT_DISPATCH_INTERVAL_MS: '100',
    ALERT_RETRY_BASE_MS: '200',
    ALERT_MAX_ATTEMPTS: '50',
    ALERT_EXPIRY_WARN_DAYS: '7',
  });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await receiver?.close();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (instance: ServerInstance, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${instance.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
};

const addExpiringKey = (instance: ServerInstance, n: number) =>
  call(instance, 'POST', '/v1/tokens', {
    companyId: `REPL${n}`,
    apiKey: KEYS[n],
    expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
  });

const stop = async (instance: ServerInstance) => {
  instance.child.kill('SIGTERM');
  await instance.exited;
};

const outboxRows = async () => {
  const db = await openDatabase({ kind: 'sqlite', filename: join(dir, 'shared.sqlite') });
  try {
    return await db.db.selectFrom('AlertOutbox').select(['OutboxID', 'Status', 'Attempts']).execute();
  } finally {
    await db.close();
  }
};

const byDelivery = () => {
  const map = new Map<string, number[]>();
  for (const r of receiver.received) {
    const id = String(r.headers['x-igw-delivery']);
    map.set(id, [...(map.get(id) ?? []), r.answered]);
  }
  return map;
};

describe('alerts across replicas', () => {
  it('three processes see the same events: each alert is delivered exactly once, retried after a 500, signed, without a key; a pending one survives a restart', async () => {
    const a = await startServerProcess(env, children);
    const { secret } = (await call(a, 'POST', '/v1/alerts', {
      url: receiver.url,
      events: ['key_expiring'],
      allowPrivate: true,
    })) as { secret: string };
    // Each delivery's first attempt fails; its retry succeeds.
    receiver.setAnswer(({ seen }) => (seen === 0 ? 500 : 200));
    for (const n of [0, 1, 2]) await addExpiringKey(a, n);
    // Two more processes start: each checks for expiring keys at once and enqueues the same three alerts.
    // One at a time (a loaded CI machine starts processes slowly); all three dispatch once up.
    const b = await startServerProcess(env, children);
    const c = await startServerProcess(env, children);
    await until(
      'three deliveries',
      () => [...byDelivery().values()].filter((s) => s.includes(200)).length === 3,
      60_000,
    );
    await until(
      'every row delivered',
      async () => (await outboxRows()).every((r) => r.Status === 'delivered'),
      30_000,
    );
    expect(await outboxRows()).toHaveLength(3);
    for (const [id, statuses] of byDelivery()) expect(statuses, `delivery ${id}`).toEqual([500, 200]);
    const tokens = new Set<number>();
    for (const r of receiver.received) {
      const ts = Number(r.headers['x-igw-timestamp']);
      expect(verifyAlertSignature(secret, ts, r.body, String(r.headers['x-igw-signature']))).toBe(true);
      for (const key of KEYS) expect(r.body).not.toContain(key);
      const payload = JSON.parse(r.body) as { event: string; key: { id: number; hint: string } };
      expect(payload.event).toBe('key_expiring');
      expect(payload.key.hint).toMatch(/^AIza…/);
      tokens.add(payload.key.id);
    }
    expect(tokens.size).toBe(3);

    // The receiver is down: a test alert fails its first attempt and waits for its retry when every process stops.
    receiver.received.length = 0;
    receiver.setAnswer(() => 503);
    const subscriptionId = (
      (await call(a, 'GET', '/v1/alerts')) as unknown as Array<{ subscriptionId: number }>
    )[0]!.subscriptionId;
    const tested = await call(a, 'POST', `/v1/alerts/${subscriptionId}/test`, {});
    expect(tested).toMatchObject({ status: 'pending', delivery: { outcome: 'retry', statusCode: 503 } });
    await Promise.all([a, b, c].map(stop));
    const pending = (await outboxRows()).filter((r) => r.Status !== 'delivered');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.Status).toBe('pending');
    // Back up, and one process restarted: the alert goes out, once.
    receiver.received.length = 0;
    receiver.setAnswer(() => 200);
    const e = await startServerProcess(env, children);
    await until('the pending alert', () => receiver.received.length >= 1, 30_000);
    await until(
      'its row delivered',
      async () => (await outboxRows()).every((r) => r.Status === 'delivered'),
      30_000,
    );
    expect(receiver.received.map((r) => [r.headers['x-igw-delivery'], r.answered])).toEqual([
      [String(pending[0]!.OutboxID), 200],
    ]);
    const log = (await call(e, 'GET', `/v1/alerts/deliveries?limit=100`)) as unknown as Array<{
      outboxId: number;
      statusCode: number;
    }>;
    expect(log.filter((l) => l.outboxId === pending[0]!.OutboxID).at(0)).toMatchObject({ statusCode: 200 });
    expect(log.filter((l) => l.statusCode === 500)).toHaveLength(3);
    expect(log.filter((l) => l.outboxId === pending[0]!.OutboxID).map((l) => l.statusCode)).toEqual([
      200, 503,
    ]);
    await stop(e);
  }, 180_000);
});
