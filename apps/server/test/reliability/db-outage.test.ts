import { endInstanceHolds } from '@invoicegw/core';
import { findLedgerViolations, type OpenDatabase } from '@invoicegw/db';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from '../helpers.ts';

/** Makes every query fail the way a locked or unreachable database does, until switched back. */
class OutagePlugin implements KyselyPlugin {
  down = false;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.down) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

const outage = new OutagePlugin();
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer(
    { CACHE_MAX_ENTRIES: '0' },
    { wrapDb: (db: OpenDatabase) => ({ ...db, db: db.db.withPlugin(outage) }) },
  );
});
afterAll(async () => {
  await s.stop();
});

describe('the database unavailable for a while', () => {
  it('answers 503 without crashing, then recovers, and the logs kept during the outage reach ApplicationLogs', async () => {
    const admin = s.admin;
    await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('outage') }),
    });
    const extract = () =>
      fetch(`${s.url}/extract`, {
        method: 'POST',
        body: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
      });
    expect((await extract()).status).toBe(200);

    outage.down = true;
    const during = await Promise.all([
      extract(),
      extract(),
      fetch(`${s.url}/`),
      fetch(`${s.url}/v1/tokens`, { headers: admin }),
    ]);
    expect(during.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(await during[0]!.json()).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: 'Database unavailable (SQLITE_BUSY): please retry shortly',
      data: { cause: 'SQLITE_BUSY' },
    });
    s.deps.core.logger.log('WARNING', 'test', 'logged-while-the-database-was-down');
    await s.deps.logSink.flush();
    const held = s.deps.logSink.stats();
    expect(held.queued).toBeGreaterThan(0);
    expect(held.failedFlushes).toBeGreaterThan(0);
    expect(held.dropped).toBe(0);

    outage.down = false;
    expect((await extract()).status).toBe(200);
    await s.deps.logSink.flush();
    expect(s.deps.logSink.stats().queued).toBe(0);
    const rows = await s.deps.core.db.db.selectFrom('ApplicationLogs').select('Message').execute();
    const messages = rows.map((r) => r.Message);
    expect(messages).toContain('logged-while-the-database-was-down');
    expect(messages.filter((m) => m?.includes(' 503 '))).toHaveLength(4);
    // The plugin fails statements as they are built; the hot path's statements compiled once
    // pass it, so a request can take its hold, call Gemini and then fail to settle: the outage
    // struck mid-request. Its hold is dispatched, so ending it (the sweeper's or shutdown's
    // job) charges it as presumed usage; nothing is lost and the ledger's rules hold.
    const left = await s.deps.core.db.db.selectFrom('TokenReservations').selectAll().execute();
    expect(left.every((r) => r.DispatchedAt !== null)).toBe(true);
    await endInstanceHolds(s.deps.core);
    expect(await s.deps.core.db.db.selectFrom('TokenReservations').selectAll().execute()).toEqual([]);
    expect(await findLedgerViolations(s.deps.core.db)).toEqual([]);
  });
});
