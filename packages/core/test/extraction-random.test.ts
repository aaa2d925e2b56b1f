import {
  DEMO_INVOICE,
  type Emulator,
  FAULT_TYPES,
  renderInvoicePdf,
  startEmulator,
} from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_ERROR_CODES, DomainError } from '../src/errors/domain-error.ts';
import { extractInvoice } from '../src/extraction/extract-invoice.ts';
import type { ExtractionResult } from '../src/extraction/extraction-result.ts';
import { addToken } from '../src/tokens/add-token.ts';
import { expectExactLedger, extractionDeps } from './extraction-helpers.ts';
import { createTestCore, fakeKey, OPS, type TestCore } from './helpers.ts';

let emulator: Emulator;
let core: TestCore;
beforeAll(async () => {
  emulator = await startEmulator();
  core = await createTestCore();
});
afterAll(async () => {
  await emulator.close();
  await core.dispose();
});

describe('100 extractions under random faults over several keys', () => {
  it('every request gets a definite answer, the ledger is exact, and no key leaks anywhere', async () => {
    const keys = [
      ...Array.from({ length: 6 }, (_, i) => ['NT047', fakeKey(`rnd-nt-${i}`)]),
      ...Array.from({ length: 4 }, (_, i) => ['AB001', fakeKey(`rnd-ab-${i}`)]),
    ];
    for (const [companyId, apiKey] of keys)
      await addToken(core, OPS, { companyId: companyId!, apiKey: apiKey! });
    const deps = extractionDeps(core, emulator, { attemptTimeoutMs: 1500 });
    const types = FAULT_TYPES.filter((t) => t !== 'hang');
    emulator.setRandomFaults({ rate: 0.3, seed: 20261128, types });

    const outcomes: Array<ExtractionResult | DomainError> = [];
    let next = 0;
    const worker = async () => {
      while (next < 100) {
        const i = next++;
        const bytes = renderInvoicePdf(
          { ...DEMO_INVOICE, invoice_no: `RND-${i % 80}` },
          { compress: i % 2 === 0 },
        );
        try {
          outcomes.push(
            await extractInvoice(deps, {
              requestId: `rnd-${i}`,
              companyId: i % 3 === 0 ? 'AB001' : 'NT047',
              username: `u${i % 5}`,
              file: { bytes },
            }),
          );
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          outcomes.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    expect(outcomes).toHaveLength(100);
    const failures = outcomes.filter((o): o is DomainError => o instanceof DomainError);
    for (const f of failures) expect(DOMAIN_ERROR_CODES).toContain(f.code);
    const successes = outcomes.length - failures.length;
    expect(successes).toBeGreaterThan(50);
    expect(outcomes.filter((o) => !(o instanceof DomainError) && o.cached).length).toBeGreaterThan(0);
    expect(emulator.requests().some((r) => r.fault !== null)).toBe(true);
    await expectExactLedger(core, emulator);

    const everything = JSON.stringify([
      outcomes.map((o) =>
        o instanceof DomainError ? { code: o.code, message: o.message, details: o.details } : o,
      ),
      core.records,
      await core.db.db.selectFrom('RetryAttempts').selectAll().execute(),
      await core.db.db.selectFrom('AuditLog').selectAll().execute(),
      await core.db.db.selectFrom('ApplicationLogs').selectAll().execute(),
      await core.db.db.selectFrom('TokenUsageLogs').selectAll().execute(),
      await core.db.db.selectFrom('TokenMaster').selectAll().execute(),
    ]);
    for (const [, apiKey] of keys) expect(everything).not.toContain(apiKey);
  }, 120_000);
});
