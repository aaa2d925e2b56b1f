import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../src/db-handle.ts';
import { findLedgerViolations, reserveOnToken, settleAbandonedReservation } from '../src/index.ts';
import { MIGRATIONS } from '../src/migrations/index.ts';
import { migrate } from '../src/migrations/migrate.ts';
import { openDatabase } from '../src/open-database.ts';
import { insertToken } from '../src/repositories/token-master.repository.ts';
import { listUsageLogs } from '../src/repositories/token-usage-logs.repository.ts';

let dir: string | undefined;
let handle: OpenDatabase | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('migration 0005 on a database already in use', () => {
  it('keeps every row: old usage is reported, not presumed, and an old hold counts as never dispatched', async () => {
    dir = mkdtempSync(join(tmpdir(), 'igw-0005-'));
    handle = await openDatabase({ kind: 'sqlite', filename: join(dir, 'in-use.sqlite') });
    await migrate(
      handle,
      MIGRATIONS.filter((m) => m.id < '0005'),
    );
    const tokenId = await insertToken(handle, { CompanyID: 'NT047', ApiKey: 'k', TotalTokenLimit: 10_000 });
    const now = new Date();
    const hold = (requestId: string) =>
      reserveOnToken(handle!, {
        tokenId,
        companyId: 'NT047',
        requestId,
        tokens: 2000,
        now,
        expiresAt: new Date(now.getTime() + 60_000),
        instanceId: 'old',
      });
    // What an instance before 0005 wrote: a settled request, and a hold in flight.
    const settled = await hold('before');
    await handle.db
      .insertInto('TokenUsageLogs')
      .values({
        TokenID: tokenId,
        CompanyID: 'NT047',
        RequestID: 'before',
        TotalTokensUsed: 700,
        LoggedAt: now,
      })
      .execute();
    await handle.db
      .updateTable('TokenUsageSummary')
      .set({ TotalUsedTokens: 700, TotalRemainingTokens: 9300 })
      .execute();
    // The old settle, as that instance ran it (today's settle reads columns of later migrations).
    await handle.db.deleteFrom('TokenReservations').where('ReservationID', '=', settled!).execute();
    await handle.db
      .updateTable('TokenUsageSummary')
      .set((eb) => ({ ReservedTokens: eb('ReservedTokens', '-', 2000) }))
      .where('TokenID', '=', tokenId)
      .execute();
    const inFlight = (await hold('in-flight'))!;

    expect(await migrate(handle)).toEqual({
      applied: MIGRATIONS.filter((m) => m.id >= '0005').map((m) => m.id),
    });
    expect(await listUsageLogs(handle, { requestId: 'before' }, { limit: 5 })).toEqual([
      expect.objectContaining({ totalTokensUsed: 700, presumedTokens: 0 }),
    ]);
    const row = await handle.db
      .selectFrom('TokenReservations')
      .select(['RequestID', 'DispatchedAt'])
      .executeTakeFirst();
    expect(row).toEqual({ RequestID: 'in-flight', DispatchedAt: null });
    // Its process never said it dispatched: swept, it is released as before 0005.
    expect(await settleAbandonedReservation(handle, inFlight, new Date())).toMatchObject({
      presumed: false,
      released: 2000,
      charged: 0,
    });
    expect(await findLedgerViolations(handle)).toEqual([]);
  });
});
