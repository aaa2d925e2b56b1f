import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseKey } from '../src/ledger/choose-key.ts';

const candidates = fc.array(
  fc.record({
    tokenId: fc.integer({ min: 1, max: 1_000_000 }),
    available: fc.integer({ min: -1000, max: 1_000_000 }),
  }),
  { maxLength: 12 },
);

describe('chooseKey', () => {
  it('only ever picks a key that can cover the request, and picks one whenever one can', () => {
    fc.assert(
      fc.property(
        candidates,
        fc.integer({ min: 0, max: 500_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (cs, need, r) => {
          const pick = chooseKey(cs, need, () => r);
          const eligible = cs.filter((c) => c.available >= need);
          if (eligible.length === 0) expect(pick).toBeUndefined();
          else expect(eligible).toContain(pick);
        },
      ),
    );
  });

  it('weights by remaining quota: evenly spread draws land in proportion', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ tokenId: fc.integer({ min: 1, max: 50 }), available: fc.integer({ min: 1, max: 40 }) }),
          {
            selector: (c) => c.tokenId,
            minLength: 1,
            maxLength: 6,
          },
        ),
        (cs) => {
          const total = cs.reduce((s, c) => s + c.available, 0);
          const counts = new Map<number, number>();
          // One draw per unit of quota, at the middle of each unit: each key must get exactly its share.
          for (let i = 0; i < total; i++) {
            const pick = chooseKey(cs, 1, () => (i + 0.5) / total)!;
            counts.set(pick.tokenId, (counts.get(pick.tokenId) ?? 0) + 1);
          }
          for (const c of cs) expect(counts.get(c.tokenId)).toBe(c.available);
        },
      ),
    );
  });
});
