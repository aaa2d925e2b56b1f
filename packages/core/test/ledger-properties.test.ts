import { countOpenReservations, findLedgerViolations, getSummary } from '@invoicegw/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireKey, type KeyLease } from '../src/ledger/acquire-key.ts';
import { markLeaseDispatched, presumeLease, releaseLease, settleLease } from '../src/ledger/settle-lease.ts';
import { sweepLedger } from '../src/ledger/sweeper.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { createTestCore, fakeKey, OPS, promptOnlyUsage, type TestCore } from './helpers.ts';

let core: TestCore;
beforeAll(async () => {
  core = await createTestCore({
    reservationTtlMs: 10_000,
    maxOutputTokens: 0,
    promptOverheadTokens: 1,
    tokensPerPdfPage: 1,
    tokensPerImage: 1,
  });
});
afterAll(async () => {
  await core.dispose();
});

type Op =
  | { kind: 'acquire'; tokens: number }
  | { kind: 'settle'; pick: number; fraction: number }
  | { kind: 'release'; pick: number }
  | { kind: 'abandon'; pick: number }
  | { kind: 'dispatch'; pick: number }
  | { kind: 'presume'; pick: number }
  | { kind: 'expire' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('acquire' as const),
      tokens: fc.integer({ min: 1, max: 4000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abandon' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispatch' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('presume' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const) }) },
);

describe('ledger properties (fast-check, real SQLite file)', () => {
  it('after any sequence of holds, dispatches, charges, presumed charges, releases, crashes and sweeps, the four invariants hold and spend never passes the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 3 }),
        async (ops, limits) => {
          await core.database.reset();
          const tokens = [];
          for (const [i, limit] of limits.entries())
            tokens.push(
              await addToken(core, OPS, { companyId: 'P', apiKey: fakeKey(`p${i}`), totalTokenLimit: limit }),
            );
          const open: KeyLease[] = [];
          // Leases whose process "died" holding them: only the sweeper ends their holds.
          let abandoned: KeyLease[] = [];
          // Leases whose hold the sweeper already released (not dispatched when it expired).
          const swept = new Set<KeyLease>();
          let charged = 0;
          const sweep = async () => {
            core.advance(10_001);
            await sweepLedger(core);
            // A dispatched hold is charged in full by the sweeper, and its process is gone for good.
            for (const lease of [...open, ...abandoned].filter((l) => l.dispatched)) {
              charged += lease.reservedTokens;
              if (open.includes(lease)) open.splice(open.indexOf(lease), 1);
            }
            abandoned = [];
            for (const lease of open) swept.add(lease);
          };
          for (const [n, o] of ops.entries()) {
            if (o.kind === 'acquire') {
              try {
                open.push(await acquireKey(core, { companyId: 'P', requestId: `r${n}`, tokens: o.tokens }));
              } catch (error) {
                expect(['TOKEN_BUSY', 'TOKEN_LIMIT_EXCEEDED']).toContain((error as { code: string }).code);
              }
            } else if (o.kind === 'expire') {
              await sweep();
            } else if (o.kind === 'dispatch' && open.length > 0) {
              const lease = open[o.pick % open.length]!;
              expect(await markLeaseDispatched(core, lease)).toBe(!swept.has(lease));
            } else if (open.length > 0) {
              const [lease] = open.splice(o.pick % open.length, 1);
              if (o.kind === 'settle') {
                const total = Math.floor(lease!.reservedTokens * o.fraction);
                charged += total;
                await settleLease(core, lease!, {
                  usage: promptOnlyUsage(total),
                  outcome: 'success',
                  model: 'm',
                  latencyMs: 1,
                  branch: 'B',
                  requestedBy: 'u',
                });
              } else if (o.kind === 'release') {
                await releaseLease(core, lease!);
              } else if (o.kind === 'presume') {
                const presumed = await presumeLease(core, lease!, {
                  model: 'm',
                  latencyMs: 1,
                  branch: 'B',
                  requestedBy: 'u',
                });
                // The whole hold while it is there; nothing once the sweeper has released it.
                expect(presumed?.charged ?? 0).toBe(swept.has(lease!) ? 0 : lease!.reservedTokens);
                charged += presumed?.charged ?? 0;
              } else if (o.kind === 'abandon' && !swept.has(lease!)) {
                // The process "dies" holding the lease; only the sweeper can end it.
                abandoned.push(lease!);
              }
            }
            expect(await findLedgerViolations(core.db)).toEqual([]);
          }
          let used = 0;
          for (const t of tokens) used += (await getSummary(core.db, t.tokenId))?.totalUsedTokens ?? 0;
          expect(used).toBe(charged);
          await sweep();
          // Live leases that were never settled are now abandoned too: nothing may stay held.
          expect(await countOpenReservations(core.db)).toBe(0);
          expect(await findLedgerViolations(core.db)).toEqual([]);
          used = 0;
          for (const t of tokens) used += (await getSummary(core.db, t.tokenId))?.totalUsedTokens ?? 0;
          expect(used).toBe(charged);
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});
