import { expect, it } from 'vitest';
import {
  abandonAlertOutbox,
  claimAlertOutbox,
  deleteAlertSubscription,
  enqueueAlertOutbox,
  findAlertOutboxId,
  finishAlertOutbox,
  getAlertOutbox,
  getAlertSubscription,
  getAlertSubscriptionSecret,
  insertAlertDelivery,
  insertAlertSubscription,
  listAlertDeliveries,
  listAlertSubscriptions,
  listDueAlertOutboxIds,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

const t0 = new Date('2026-12-01T10:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describeContract('alert subscriptions and outbox', (db) => {
  const subscribe = () =>
    insertAlertSubscription(db(), {
      url: 'https://hooks.example.com/igw',
      events: ['threshold_crossed', 'budget_spent'],
      secretEncrypted: 'enc:v1:deadbeef:iv:body',
      secretHint: 'whs_…abc',
      allowPrivate: false,
      label: 'ops',
      createdBy: 'admin',
      now: t0,
    });

  it('stores a subscription with its secret apart from what is listed', async () => {
    const id = await subscribe();
    const info = await getAlertSubscription(db(), id);
    expect(info).toEqual({
      subscriptionId: id,
      url: 'https://hooks.example.com/igw',
      events: ['threshold_crossed', 'budget_spent'],
      secretHint: 'whs_…abc',
      enabled: true,
      allowPrivate: false,
      label: 'ops',
      createdAt: t0.toISOString(),
      createdBy: 'admin',
    });
    expect(JSON.stringify(await listAlertSubscriptions(db()))).not.toContain('enc:v1');
    expect(await getAlertSubscriptionSecret(db(), id)).toBe('enc:v1:deadbeef:iv:body');
    expect(await deleteAlertSubscription(db(), id)).toBe(true);
    expect(await deleteAlertSubscription(db(), id)).toBe(false);
    expect(await listAlertSubscriptions(db(), { enabledOnly: true })).toEqual([]);
  });

  it('enqueues an event once per subscription and dedupe key, however many replicas try', async () => {
    const id = await subscribe();
    const entry = {
      subscriptionId: id,
      eventType: 'threshold_crossed',
      dedupeKey: 'threshold:1:80',
      payloadJson: '{}',
      now: t0,
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => enqueueAlertOutbox(db(), entry)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await enqueueAlertOutbox(db(), { ...entry, subscriptionId: id + 1 })).toBe(true);
    const outboxId = await findAlertOutboxId(db(), id, 'threshold:1:80');
    expect(outboxId).toBeGreaterThan(0);
    expect(await getAlertOutbox(db(), outboxId!)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('exactly one of concurrent claimers leases a due row; a lapsed lease can be taken over, and only its owner ends it', async () => {
    const id = await subscribe();
    await enqueueAlertOutbox(db(), {
      subscriptionId: id,
      eventType: 'test',
      dedupeKey: 'k',
      payloadJson: '{"a":1}',
      now: t0,
    });
    const [outboxId] = await listDueAlertOutboxIds(db(), at(1), 10);
    expect(outboxId).toBeDefined();
    // Not due before NextAttemptAt.
    expect(await listDueAlertOutboxIds(db(), at(-1), 10)).toEqual([]);
    const claims = await Promise.all(
      ['a', 'b', 'c'].map((owner) =>
        claimAlertOutbox(db(), { outboxId: outboxId!, owner, now: at(1), leaseUntil: at(31) }),
      ),
    );
    const won = claims.filter((c) => c !== undefined);
    expect(won).toEqual([
      { outboxId, subscriptionId: id, eventType: 'test', payloadJson: '{"a":1}', attempt: 1 },
    ]);
    expect(await listDueAlertOutboxIds(db(), at(20), 10)).toEqual([]);
    // The lease lapses (its dispatcher died): the row is due again, and the next claim is attempt 2.
    expect(await listDueAlertOutboxIds(db(), at(40), 10)).toEqual([outboxId]);
    const again = await claimAlertOutbox(db(), {
      outboxId: outboxId!,
      owner: 'z',
      now: at(40),
      leaseUntil: at(70),
    });
    expect(again?.attempt).toBe(2);
    // The first owner's late finish is refused: the lease is z's now.
    const winner = claims.findIndex((c) => c !== undefined);
    const owner = ['a', 'b', 'c'][winner]!;
    expect(
      await finishAlertOutbox(db(), { outboxId: outboxId!, owner, now: at(41), outcome: 'delivered' }),
    ).toBe(false);
    expect(
      await finishAlertOutbox(db(), {
        outboxId: outboxId!,
        owner: 'z',
        now: at(41),
        outcome: 'retry',
        retryAt: at(100),
        error: '500',
      }),
    ).toBe(true);
    expect(await getAlertOutbox(db(), outboxId!)).toMatchObject({
      status: 'pending',
      attempts: 2,
      lastError: '500',
      nextAttemptAt: at(100).toISOString(),
    });
    expect(await listDueAlertOutboxIds(db(), at(99), 10)).toEqual([]);
    const third = await claimAlertOutbox(db(), {
      outboxId: outboxId!,
      owner: 'y',
      now: at(100),
      leaseUntil: at(130),
    });
    expect(third?.attempt).toBe(3);
    expect(
      await finishAlertOutbox(db(), { outboxId: outboxId!, owner: 'y', now: at(101), outcome: 'delivered' }),
    ).toBe(true);
    expect(await getAlertOutbox(db(), outboxId!)).toMatchObject({
      status: 'delivered',
      deliveredAt: at(101).toISOString(),
      lastError: null,
    });
    expect(
      await claimAlertOutbox(db(), { outboxId: outboxId!, owner: 'x', now: at(1000), leaseUntil: at(1030) }),
    ).toBeUndefined();
  });

  it('logs every attempt, newest first, with the row state; a removed subscription leaves its rows dead', async () => {
    const id = await subscribe();
    await enqueueAlertOutbox(db(), {
      subscriptionId: id,
      eventType: 'budget_spent',
      dedupeKey: 'b',
      payloadJson: '{}',
      now: t0,
    });
    await enqueueAlertOutbox(db(), {
      subscriptionId: id,
      eventType: 'test',
      dedupeKey: 'c',
      payloadJson: '{}',
      now: t0,
    });
    const [first, second] = await listDueAlertOutboxIds(db(), t0, 10);
    await insertAlertDelivery(db(), {
      outboxId: first!,
      attempt: 1,
      statusCode: 500,
      durationMs: 12.4,
      error: 'HTTP 500',
      at: at(1),
    });
    await insertAlertDelivery(db(), {
      outboxId: first!,
      attempt: 2,
      statusCode: 204,
      durationMs: 3,
      error: null,
      at: at(2),
    });
    const log = await listAlertDeliveries(db(), { subscriptionId: id, limit: 10 });
    expect(log.map((d) => [d.attempt, d.statusCode, d.durationMs, d.eventType, d.outboxStatus])).toEqual([
      [2, 204, 3, 'budget_spent', 'pending'],
      [1, 500, 12, 'budget_spent', 'pending'],
    ]);
    expect(await listAlertDeliveries(db(), { limit: 1 })).toHaveLength(1);
    expect(await abandonAlertOutbox(db(), id, 'subscription removed')).toBe(2);
    expect(await getAlertOutbox(db(), second!)).toMatchObject({
      status: 'dead',
      lastError: 'subscription removed',
    });
    expect(await listDueAlertOutboxIds(db(), at(100), 10)).toEqual([]);
  });
});
