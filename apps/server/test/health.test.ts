import { openTestSqlite, type TestDatabase } from '@invoicegw/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestSqlite();
});
afterAll(async () => {
  await db.dispose();
});

describe('GET / (health)', () => {
  it('reports the service active and the database reachable', async () => {
    const res = await createApp({ db, version: '9.9.9' }).request('/');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { timestamp: string };
    expect(body).toMatchObject({
      status: 'active',
      version: '9.9.9',
      database: { kind: 'sqlite', reachable: true },
    });
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('answers 503 with a clear body when the database is gone, and does not crash', async () => {
    const gone = await openTestSqlite();
    await gone.dispose();
    const res = await createApp({ db: gone, version: '9.9.9' }).request('/');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', database: { reachable: false } });
  });
});
