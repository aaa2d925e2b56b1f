import { expect, it } from 'vitest';
import {
  countLogsByLevel,
  countOpenReservations,
  deleteReservation,
  getReservation,
  insertApplicationLogs,
  insertAudit,
  insertReservation,
  insertRetryAttempts,
  insertToken,
  listApplicationLogs,
  listAudit,
  listExpiredReservationIds,
  listReservationIdsOfInstance,
  listRetryAttempts,
  retryStats,
  sumOpenReservations,
} from '../../src/index.ts';
import { describeContract } from '../../src/testing/index.ts';

describeContract('ApplicationLogs, RetryAttempts, TokenReservations and AuditLog data access', (db) => {
  it('writes log batches larger than one statement can carry and filters them', async () => {
    const base = Date.parse('2026-11-28T00:00:00.000Z');
    const rows = Array.from({ length: 450 }, (_, i) => ({
      Timestamp: new Date(base + i * 1000),
      LogLevel: i % 50 === 0 ? 'ERROR' : 'INFO',
      Logger: 'extraction',
      Message: i === 7 ? 'Invoice 100%_done [x]' : `message ${i}`,
      RequestID: `req-${i % 3}`,
      CompanyID: i % 2 ? 'NT047' : 'OTHER',
      Context: JSON.stringify({ i }),
    }));
    await insertApplicationLogs(db(), rows);
    expect(await countLogsByLevel(db())).toEqual({ ERROR: 9, INFO: 441 });
    const errors = await listApplicationLogs(db(), { levels: ['ERROR'] }, { limit: 5 });
    expect(errors.map((e) => e.context)).toEqual([
      { i: 400 },
      { i: 350 },
      { i: 300 },
      { i: 250 },
      { i: 200 },
    ]);
    expect(await listApplicationLogs(db(), { search: '100%_done [x' }, { limit: 5 })).toHaveLength(1);
    expect(await listApplicationLogs(db(), { search: '100%_' }, { limit: 5 })).toHaveLength(1);
    const page2 = await listApplicationLogs(
      db(),
      { companyId: 'NT047', requestId: 'req-1' },
      { limit: 10, offset: 10 },
    );
    expect(page2).toHaveLength(10);
    const since = await listApplicationLogs(db(), { since: new Date(base + 440_000) }, { limit: 100 });
    expect(since).toHaveLength(10);
    const first = since.at(-1)!.logId;
    const follow = await listApplicationLogs(db(), { afterId: first }, { limit: 3 });
    expect(follow.map((l) => l.logId)).toEqual([first + 1, first + 2, first + 3]);
  });

  it('records failed attempts and summarises them by error', async () => {
    await insertRetryAttempts(db(), [
      {
        TokenID: 1,
        CompanyID: 'NT047',
        RequestID: 'r1',
        Attempt: 1,
        ErrorCode: 'UNAVAILABLE',
        HttpStatus: 503,
        IsRetryable: true,
        DelayMs: 1000,
      },
      {
        TokenID: 1,
        CompanyID: 'NT047',
        RequestID: 'r1',
        Attempt: 2,
        ErrorCode: 'UNAVAILABLE',
        HttpStatus: 503,
        IsRetryable: true,
        DelayMs: 2000,
      },
      {
        TokenID: 2,
        CompanyID: 'NT047',
        RequestID: 'r1',
        Attempt: 3,
        ErrorCode: 'API_KEY_INVALID',
        HttpStatus: 400,
        IsRetryable: false,
        IsFinal: true,
      },
    ]);
    const attempts = await listRetryAttempts(db(), { requestId: 'r1' }, { limit: 10 });
    expect(attempts.map((a) => [a.attempt, a.isRetryable, a.isFinal])).toEqual([
      [3, false, true],
      [2, true, false],
      [1, true, false],
    ]);
    expect(await retryStats(db(), { companyId: 'NT047' })).toEqual([
      { errorCode: 'UNAVAILABLE', httpStatus: 503, attempts: 2, retryable: 2, final: 0 },
      { errorCode: 'API_KEY_INVALID', httpStatus: 400, attempts: 1, retryable: 0, final: 1 },
    ]);
  });

  it('holds, sums, expires and releases reservations', async () => {
    const token = await insertToken(db(), { CompanyID: 'NT047', ApiKey: 'k' });
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 60_000);
    const a = await insertReservation(db(), {
      TokenID: token,
      CompanyID: 'NT047',
      RequestID: 'r1',
      ReservedTokens: 900,
      ExpiresAt: future,
      InstanceID: 'i1',
    });
    const b = await insertReservation(db(), {
      TokenID: token,
      CompanyID: 'NT047',
      RequestID: 'r2',
      ReservedTokens: 100,
      ExpiresAt: past,
    });
    expect(await sumOpenReservations(db(), token)).toBe(1000);
    expect(await countOpenReservations(db())).toBe(2);
    expect(await listExpiredReservationIds(db(), new Date())).toEqual([b]);
    expect(await listReservationIdsOfInstance(db(), 'i1')).toEqual([a]);
    expect(await getReservation(db(), a)).toMatchObject({
      requestId: 'r1',
      reservedTokens: 900,
      instanceId: 'i1',
    });
    expect(await deleteReservation(db(), b)).toBe(100);
    expect(await deleteReservation(db(), b)).toBe(0);
    expect(await sumOpenReservations(db(), token)).toBe(900);
  });

  it('keeps an audit trail with before and after snapshots', async () => {
    await insertAudit(db(), {
      TokenID: 1,
      CompanyID: 'NT047',
      Action: 'token.add',
      Actor: 'ops@example',
      AfterJson: JSON.stringify({ status: 'Active' }),
    });
    await insertAudit(db(), {
      TokenID: 1,
      CompanyID: 'NT047',
      Action: 'token.status',
      Actor: 'system',
      Reason: 'provider rejected the key',
      BeforeJson: JSON.stringify({ status: 'Active' }),
      AfterJson: JSON.stringify({ status: 'Invalid' }),
    });
    await insertAudit(db(), { TokenID: 2, CompanyID: 'OTHER', Action: 'token.add', Actor: 'ops@example' });
    const trail = await listAudit(db(), { tokenId: 1 }, { limit: 10 });
    expect(trail.map((e) => [e.action, e.actor, e.before, e.after])).toEqual([
      ['token.status', 'system', { status: 'Active' }, { status: 'Invalid' }],
      ['token.add', 'ops@example', null, { status: 'Active' }],
    ]);
    expect(await listAudit(db(), { companyId: 'OTHER' }, { limit: 10 })).toHaveLength(1);
    expect(await listAudit(db(), { action: 'token.add' }, { limit: 1 })).toHaveLength(1);
  });
});
