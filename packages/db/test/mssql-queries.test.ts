import { describe, expect, it } from 'vitest';
import { createColdDb } from '../src/dialects/cold.ts';
import * as data from '../src/index.ts';
import { migrate } from '../src/migrations/migrate.ts';
import { legacyLayoutProbe } from '../src/open-database.ts';
import { recordingMssqlHandle } from '../src/testing/index.ts';
import { findTsqlProblems } from './tsql-guard.ts';

// Every statement the data-access functions send, compiled for SQL Server by Kysely's own
// compiler and recorded instead of sent. The snapshot is what a DBA reviews; the guard catches
// what SQL Server would reject.
async function recordAll(schemas = { schema: 'dbo', tokenSchema: 'docUpload' }) {
  const at = new Date('2026-11-28T00:00:00.000Z');
  const claim = {
    companyId: 'NT047',
    idempotencyKey: 'k',
    fileSha256: 'sha',
    ownerId: 'o',
    requestId: 'r',
    now: at,
    leaseExpiresAt: at,
  };
  // A dispatched hold is found, and its usage row inserted, so the presumed charge is followed to its last statement.
  const h = recordingMssqlHandle(schemas, (q) => {
    if (/^delete from .* output .*deleted\.\[DispatchedAt\]/.test(q.sql))
      return [{ TokenID: 1, CompanyID: 'NT047', RequestID: 'r', ReservedTokens: 9000, DispatchedAt: at }];
    if (/^insert into "[^"]+"\."TokenUsageLogs"/.test(q.sql)) return [{ UsageID: 5 }];
    // A due budget window is zeroed, so the closed window's insert is recorded too.
    if (/^update .*"TokenUsageSummary" set .* output deleted\.\[TotalUsedTokens\]/.test(q.sql))
      return [
        {
          TotalUsedTokens: 10,
          RequestCount: 1,
          CarriedTokens: 0,
          WindowStartedAt: at,
          TotalRemainingTokens: 90,
        },
      ];
    if (/^insert into "[^"]+"\."TokenBudgetWindows"/.test(q.sql)) return [{ WindowID: 3 }];
    // A retention batch of usage rows is found, so the archive insert and delete are recorded too.
    if (/^select top\(\d+\) "UsageID" as "id"/.test(q.sql)) return [{ id: 7 }, { id: 8 }];
    return [];
  });
  const calls: Array<[string, () => Promise<unknown>]> = [
    [
      'insertToken',
      () => data.insertToken(h, { CompanyID: 'NT047', ApiKey: 'v1:x', KeyHint: 'AIza…FnM', KeyHash: 'h' }),
    ],
    ['getToken', () => data.getToken(h, 1)],
    ['getTokenSecret', () => data.getTokenSecret(h, 1)],
    ['findTokenIdByKeyHash', () => data.findTokenIdByKeyHash(h, 'h')],
    ['listTokens', () => data.listTokens(h, { companyId: 'NT047', statuses: ['Active', 'Expired'] })],
    ['updateToken', () => data.updateToken(h, 1, { Status: 'Disabled', UpdatedAt: at })],
    ['recordKeyCheck', () => data.recordKeyCheck(h, 1, at, 'rejected API_KEY_INVALID: API key not valid')],
    ['listTokenIdsWithoutKeyHash', () => data.listTokenIdsWithoutKeyHash(h)],
    ['companyTokenStatuses', () => data.companyTokenStatuses(h, 'NT047')],
    ['ensureSummary', () => data.ensureSummary(h, 1)],
    ['getSummary', () => data.getSummary(h, 1)],
    ['setThreshold', () => data.setThreshold(h, 1, 500)],
    [
      'insertUsageLog',
      () => data.insertUsageLog(h, { TokenID: 1, CompanyID: 'NT047', TotalTokensUsed: 10, LoggedAt: at }),
    ],
    [
      'listUsageLogs',
      () => data.listUsageLogs(h, { companyId: 'NT047', from: at, to: at }, { limit: 50, offset: 100 }),
    ],
    ...data.USAGE_GROUPS.map((g): [string, () => Promise<unknown>] => [
      `usageTotals(${g})`,
      () => data.usageTotals(h, g, { companyId: 'NT047' }),
    ]),
    ['sumTokensUsed', () => data.sumTokensUsed(h, 1)],
    [
      'usageExportPage(first)',
      () => data.usageExportPage(h, { from: at, to: at, companyId: 'NT047' }, undefined, 1000),
    ],
    [
      'usageExportPage(after)',
      () =>
        data.usageExportPage(
          h,
          { from: at, to: at },
          { day: '2026-11-28', companyId: 'NT047', tokenId: 1, branch: 'HQ', requestedBy: 'amit' },
          1000,
        ),
    ],
    [
      'insertReservation',
      () =>
        data.insertReservation(h, {
          TokenID: 1,
          CompanyID: 'NT047',
          RequestID: 'r',
          ReservedTokens: 5,
          ExpiresAt: at,
          CreatedAt: at,
        }),
    ],
    ['deleteReservation', () => data.deleteReservation(h, 1)],
    ['getReservation', () => data.getReservation(h, 1)],
    ['listExpiredReservationIds', () => data.listExpiredReservationIds(h, at)],
    ['sumOpenReservations', () => data.sumOpenReservations(h, 1)],
    ['countOpenReservations', () => data.countOpenReservations(h)],
    ['listReservationIdsOfInstance', () => data.listReservationIdsOfInstance(h, 'i-1')],
    ['insertAudit', () => data.insertAudit(h, { Action: 'token.add', Actor: 'ops', CreatedAt: at })],
    ['listAudit', () => data.listAudit(h, { tokenId: 1 }, { limit: 20 })],
    [
      'insertApplicationLogs',
      () => data.insertApplicationLogs(h, [{ LogLevel: 'INFO', Message: 'm', Timestamp: at }]),
    ],
    [
      'listApplicationLogs',
      () => data.listApplicationLogs(h, { levels: ['ERROR'], search: '50%' }, { limit: 20 }),
    ],
    ['listApplicationLogs(follow)', () => data.listApplicationLogs(h, { afterId: 10 }, { limit: 20 })],
    ['countLogsByLevel', () => data.countLogsByLevel(h, at)],
    ['insertRetryAttempts', () => data.insertRetryAttempts(h, [{ TokenID: 1, Attempt: 1, Timestamp: at }])],
    ['listRetryAttempts', () => data.listRetryAttempts(h, { companyId: 'NT047' }, { limit: 20 })],
    ['retryStats', () => data.retryStats(h, { since: at })],
    ['readTokenStatus', () => data.readTokenStatus(h, 'NT047')],
    ['readUsageSummary', () => data.readUsageSummary(h)],
    ['readRecentErrors', () => data.readRecentErrors(h)],
    ['readFailedRetries', () => data.readFailedRetries(h)],
    ['pingDatabase', () => data.pingDatabase(h)],
    ['listCompanyKeyStates', () => data.listCompanyKeyStates(h, 'NT047')],
    ['listCompanyKeyStates(storedKey)', () => data.listCompanyKeyStates(h, 'NT047', { storedKey: true })],
    [
      'reserveOnToken(dispatched)',
      () =>
        data.reserveOnToken(h, {
          tokenId: 1,
          companyId: 'NT047',
          requestId: 'r',
          tokens: 9000,
          now: at,
          expiresAt: at,
          instanceId: 'i',
          hasSummary: true,
          dispatchedAt: at,
        }),
    ],
    [
      'reserveOnToken',
      () =>
        data.reserveOnToken(h, {
          tokenId: 1,
          companyId: 'NT047',
          requestId: 'r',
          tokens: 9000,
          now: at,
          expiresAt: at,
          instanceId: 'i',
        }),
    ],
    ['reserveStatement', () => data.reserveStatement(h, { tokenId: 1, tokens: 9000, now: at }).execute()],
    ['settleOnToken', () => data.settleOnToken(h, { tokenId: 1, reservationId: 7, usage: null, now: at })],
    [
      // The recorder returns no rows: the hold reads as swept, so the presumed-row lookup runs.
      'settleOnToken after its hold was swept',
      () =>
        data.settleOnToken(h, {
          tokenId: 1,
          reservationId: 7,
          usage: { CompanyID: 'NT047', RequestID: 'r-1', TotalTokensUsed: 10 },
          now: at,
        }),
    ],
    ['releaseReservation', () => data.releaseReservation(h, 7, at)],
    ['markReservationDispatched', () => data.markReservationDispatched(h, 7, at)],
    [
      'presumeReservation',
      () =>
        data.presumeReservation(h, {
          reservationId: 7,
          usage: { Branch: 'B', RequestedBy: 'u', Model: 'm', LatencyMs: 1500 },
          now: at,
        }),
    ],
    ['settleAbandonedReservation', () => data.settleAbandonedReservation(h, 7, at)],
    ['claimThresholdWarning', () => data.claimThresholdWarning(h, 1, at)],
    ['clearThresholdWarning', () => data.clearThresholdWarning(h, 1)],
    ['transitionTokenStatus', () => data.transitionTokenStatus(h, 1, ['Active'], 'Exceeded', 'why', at)],
    ['refreshRemaining', () => data.refreshRemaining(h, 1, at)],
    ['listLapsedActiveKeys', () => data.listLapsedActiveKeys(h, at)],
    ['findLedgerViolations', () => data.findLedgerViolations(h)],
    [
      'insertClientKey',
      () =>
        data.insertClientKey(h, {
          companyId: 'NT047',
          keyHash: 'h',
          keyHint: 'igw_…abc',
          label: 'erp',
          now: at,
        }),
    ],
    ['findClientKeyByHash', () => data.findClientKeyByHash(h, 'h')],
    ['listClientKeys', () => data.listClientKeys(h, 'NT047')],
    ['revokeClientKey', () => data.revokeClientKey(h, 1, at)],
    ['touchClientKey', () => data.touchClientKey(h, 1, at)],
    ['findCachedResult', () => data.findCachedResult(h, 'NT047', 'sha', at)],
    [
      'storeCachedResult',
      () =>
        data.storeCachedResult(h, {
          companyId: 'NT047',
          fileSha256: 'sha',
          resultJson: '{}',
          requestId: 'r',
          now: at,
          expiresAt: at,
        }),
    ],
    ['deleteCachedResults', () => data.deleteCachedResults(h, 'NT047')],
    ['countCachedResults', () => data.countCachedResults(h, at)],
    ['pruneCachedResults', () => data.pruneCachedResults(h, at, 500)],
    ['trimCachedResults', () => data.trimCachedResults(h, 500, 100)],
    ['claimIdempotencyKey', () => data.claimIdempotencyKey(h, claim)],
    ['takeOverIdempotencyKey', () => data.takeOverIdempotencyKey(h, claim)],
    ['getIdempotencyRecord', () => data.getIdempotencyRecord(h, 'NT047', 'k')],
    [
      'completeIdempotencyKey',
      () =>
        data.completeIdempotencyKey(h, {
          companyId: 'NT047',
          idempotencyKey: 'k',
          ownerId: 'o',
          resultJson: '{}',
          expiresAt: at,
        }),
    ],
    [
      'releaseIdempotencyKey',
      () => data.releaseIdempotencyKey(h, { companyId: 'NT047', idempotencyKey: 'k', ownerId: 'o' }),
    ],
    ['pruneIdempotencyKeys', () => data.pruneIdempotencyKeys(h, at, 500)],
    [
      'insertAlertSubscription',
      () =>
        data.insertAlertSubscription(h, {
          url: 'https://hooks.example.com/a',
          events: ['budget_spent'],
          secretEncrypted: 'enc:v1:x',
          secretHint: 'whsec_…abcd',
          allowPrivate: false,
          label: null,
          createdBy: 'admin',
          now: at,
        }),
    ],
    ['getAlertSubscription', () => data.getAlertSubscription(h, 1)],
    ['getAlertSubscriptionSecret', () => data.getAlertSubscriptionSecret(h, 1)],
    ['listAlertSubscriptions', () => data.listAlertSubscriptions(h, { enabledOnly: true })],
    ['deleteAlertSubscription', () => data.deleteAlertSubscription(h, 1)],
    [
      'enqueueAlertOutbox',
      () =>
        data.enqueueAlertOutbox(h, {
          subscriptionId: 1,
          eventType: 'budget_spent',
          dedupeKey: 'budget_spent:1:t',
          payloadJson: '{}',
          now: at,
        }),
    ],
    ['findAlertOutboxId', () => data.findAlertOutboxId(h, 1, 'k')],
    ['listDueAlertOutboxIds', () => data.listDueAlertOutboxIds(h, at, 20)],
    [
      'claimAlertOutbox',
      () => data.claimAlertOutbox(h, { outboxId: 1, owner: 'o', now: at, leaseUntil: at }),
    ],
    [
      'finishAlertOutbox',
      () =>
        data.finishAlertOutbox(h, {
          outboxId: 1,
          owner: 'o',
          now: at,
          outcome: 'retry',
          retryAt: at,
          error: 'HTTP 500',
        }),
    ],
    ['abandonAlertOutbox', () => data.abandonAlertOutbox(h, 1, 'subscription removed')],
    ['getAlertOutbox', () => data.getAlertOutbox(h, 1)],
    [
      'insertAlertDelivery',
      () =>
        data.insertAlertDelivery(h, {
          outboxId: 1,
          attempt: 1,
          statusCode: 500,
          durationMs: 3,
          error: null,
          at,
        }),
    ],
    ['listAlertDeliveries', () => data.listAlertDeliveries(h, { subscriptionId: 1, limit: 20 })],
    ['countRowsBefore', () => data.countRowsBefore(h, 'ApplicationLogs', at)],
    ['deleteRowsBefore', () => data.deleteRowsBefore(h, 'AuditLog', at, 500)],
    ['archiveUsageBefore', () => data.archiveUsageBefore(h, at, 500, at)],
    ['getGatewaySetting', () => data.getGatewaySetting(h, 'rollback.plaintext-keys')],
    [
      'setGatewaySetting',
      () =>
        data.setGatewaySetting(h, {
          name: 'rollback.plaintext-keys',
          value: 'prepared',
          updatedBy: 'ops',
          now: at,
        }),
    ],
    ['deleteGatewaySetting', () => data.deleteGatewaySetting(h, 'rollback.plaintext-keys')],
    ['listBudgetWindowStates', () => data.listBudgetWindowStates(h, { companyId: 'NT047' })],
    ['listDueBudgetWindows', () => data.listDueBudgetWindows(h, at)],
    ['setBudgetWindow', () => data.setBudgetWindow(h, 1, { windowStartedAt: at, nextResetAt: at }, at)],
    [
      'resetBudgetWindow',
      () =>
        data.resetBudgetWindow(h, {
          tokenId: 1,
          boundary: at,
          windowStartedAt: at,
          nextResetAt: at,
          now: at,
        }),
    ],
    [
      'chargeClosedWindow',
      () => data.chargeClosedWindow(h, { tokenId: 1, windowEnd: at, tokens: 10, countRequest: true }),
    ],
    [
      'carryBudgetWindow',
      () =>
        data.carryBudgetWindow(h, {
          tokenId: 1,
          windowStartedAt: at,
          nextResetAt: at,
          carriedTokens: 10,
          now: at,
        }),
    ],
    ['listClosedBudgetWindows', () => data.listClosedBudgetWindows(h, 1)],
    ['listStoredKeys', () => data.listStoredKeys(h)],
    ['swapStoredKey', () => data.swapStoredKey(h, { tokenId: 1, from: 'v1:x', to: 'plain', now: at })],
  ];
  const recorded: Record<string, string[]> = {};
  for (const [name, call] of calls) {
    const before = h.queries.length;
    // The recorder returns no rows, so functions that expect one throw afterwards; the SQL is what counts.
    await call().catch(() => undefined);
    recorded[name] = h.queries.slice(before).map((q) => q.sql);
  }
  // A hold open at a budget reset (BudgetWindowEnd set) settles into the closed window.
  const held = recordingMssqlHandle(schemas, (q) =>
    /^delete from .* output .*deleted\.\[BudgetWindowEnd\]/.test(q.sql)
      ? [{ TokenID: 1, ReservedTokens: 9000, BudgetWindowEnd: at }]
      : [],
  );
  await data
    .settleOnToken(held, {
      tokenId: 1,
      reservationId: 7,
      usage: { CompanyID: 'NT047', RequestID: 'r-2', TotalTokensUsed: 10 },
      now: at,
    })
    .catch(() => undefined);
  recorded['settleOnToken of a hold open at a budget reset'] = held.queries.map((q) => q.sql);
  return recorded;
}

describe('data access on SQL Server, compiled offline', () => {
  it('every function sends T-SQL that SQL Server accepts', async () => {
    const recorded = await recordAll();
    for (const [name, statements] of Object.entries(recorded)) {
      expect(statements.length, `${name} sent nothing`).toBeGreaterThan(0);
      for (const statement of statements)
        expect(findTsqlProblems(statement), `${name}: ${statement}`).toEqual([]);
    }
  });

  it('inserts return their identity through OUTPUT, pages through OFFSET/FETCH, and the token tables carry their schema', async () => {
    const recorded = await recordAll();
    expect(recorded.insertToken?.[0]).toMatch(
      /^insert into "docUpload"\."TokenMaster" .* output inserted\.\[TokenID\] as \[TokenID\] values/,
    );
    expect(recorded.listUsageLogs?.[0]).toMatch(/order by .* offset @\d+ rows fetch next @\d+ rows only$/);
    expect(recorded.listExpiredReservationIds?.[0]).toMatch(/^select top\(500\)/);
    expect(recorded.insertApplicationLogs?.[0]).toMatch(/^insert into "dbo"\."ApplicationLogs"/);
  });

  it('the quota hold is one conditional UPDATE … OUTPUT, and settling releases through DELETE … OUTPUT', async () => {
    const recorded = await recordAll();
    expect(recorded.reserveStatement).toHaveLength(1);
    expect(recorded.reserveStatement?.[0]).toMatch(
      /^update "docUpload"\."TokenUsageSummary" set "ReservedTokens" = "ReservedTokens" \+ @1, "LastUpdated" = @2 output inserted\.\[ReservedTokens\] as \[ReservedTokens\], inserted\.\[TotalUsedTokens\] as \[TotalUsedTokens\] where "TokenID" = @3 and "TotalUsedTokens" \+ "ReservedTokens" \+ @4 <= \(select "t"\."TotalTokenLimit" from "docUpload"\."TokenMaster" as "t" where/,
    );
    expect(recorded.settleOnToken?.[0]).toMatch(
      /^delete from "docUpload"\."TokenReservations" output deleted\.\[TokenID\] as \[TokenID\], deleted\.\[ReservedTokens\] as \[ReservedTokens\], deleted\.\[BudgetWindowEnd\] as \[BudgetWindowEnd\] where/,
    );
    expect(recorded.settleOnToken?.[1]).toMatch(
      /^update "docUpload"\."TokenUsageSummary" set .* output inserted\.\[TotalUsedTokens\] as \[TotalUsedTokens\]/,
    );
  });

  it('a presumed charge takes the hold with DELETE … OUTPUT, then writes its usage row and the totals', async () => {
    const recorded = await recordAll();
    expect(recorded.markReservationDispatched).toEqual([
      'update "docUpload"."TokenReservations" set "DispatchedAt" = @1 where "ReservationID" = @2',
    ]);
    for (const name of ['presumeReservation', 'settleAbandonedReservation']) {
      const [take, usage, totals] = recorded[name] ?? [];
      expect(take, name).toMatch(
        /^delete from "docUpload"\."TokenReservations" output deleted\.\[TokenID\] as \[TokenID\], .*deleted\.\[DispatchedAt\] as \[DispatchedAt\](, deleted\.\[BudgetWindowEnd\] as \[BudgetWindowEnd\])? where "ReservationID" = @1$/,
      );
      expect(usage, name).toMatch(
        /^insert into "docUpload"\."TokenUsageLogs" \(.*"PresumedTokens".*\) output inserted\.\[UsageID\] as \[UsageID\] values/,
      );
      expect(totals, name).toMatch(
        /^update "docUpload"\."TokenUsageSummary" set "ReservedTokens" = "ReservedTokens" - @1, "TotalUsedTokens" = "TotalUsedTokens" \+ @2/,
      );
    }
  });

  it('the migration runner and the startup probe send valid T-SQL, the schema lock first', async () => {
    const h = recordingMssqlHandle();
    await migrate(h);
    const runner = h.queries.map((q) => q.sql);
    expect(runner[0]).toMatch(/^select object_id\('dbo\.SchemaMigrations', N'U'\) as id$/);
    expect(runner[1]).toMatch(/sp_getapplock @Resource = N'invoicegw-schema'.*@LockOwner = N'Transaction'/s);
    expect(runner.length).toBeGreaterThan(100);
    const probe = legacyLayoutProbe('dbo').compile(createColdDb('mssql'));
    for (const statement of [...runner, probe.sql])
      expect(findTsqlProblems(statement), statement).toEqual([]);
    expect(probe.sql).toMatchInlineSnapshot(`
      "select
          object_id('docUpload.TokenMaster', N'U') as legacy_id,
          object_id('dbo.TokenMaster', N'U') as current_id"
    `);
  });

  it('an alert is claimed by one conditional UPDATE … OUTPUT, and enqueued by insert-if-missing', async () => {
    const recorded = await recordAll();
    expect(recorded.claimAlertOutbox).toHaveLength(1);
    expect(recorded.claimAlertOutbox?.[0]).toMatch(
      /^update "dbo"\."AlertOutbox" set .* output inserted\.\[OutboxID\] as \[OutboxID\], .* where "OutboxID" = @\d+ and \(\("Status" = @\d+ and "NextAttemptAt" <= @\d+\) or \("Status" = @\d+ and "LeaseUntil" < @\d+\)\)$/,
    );
    expect(recorded.enqueueAlertOutbox?.[0]).toMatch(/^insert into "dbo"\."AlertOutbox" .* where not exists/);
    expect(recorded.listDueAlertOutboxIds?.[0]).toMatch(/^select top\(20\)/);
  });

  it('matches the reviewed snapshot', async () => {
    expect(await recordAll()).toMatchSnapshot();
  });
});
