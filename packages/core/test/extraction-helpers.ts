import { countOpenReservations, findLedgerViolations } from '@invoicegw/db';
import type { Emulator } from '@invoicegw/gemini-emulator';
import { expect } from 'vitest';
import type { ExtractionDeps } from '../src/extraction/extract-invoice.ts';
import { DEFAULT_EXTRACTION_OPTIONS, type ExtractionOptions } from '../src/extraction/extraction-options.ts';
import { createExtractionRuntime } from '../src/extraction/extraction-runtime.ts';
import { createGeminiModel } from '../src/extraction/gemini-provider.ts';
import type { TestCore } from './helpers.ts';

/** Fast retries for tests: the policy is the same, the waits are short. */
export const FAST: Partial<ExtractionOptions> = {
  initialDelayMs: 5,
  maxDelayMs: 50,
  attemptTimeoutMs: 1000,
  deadlineMs: 20_000,
};

export function extractionDeps(
  core: TestCore,
  emulator: Emulator,
  options: Partial<ExtractionOptions> = {},
): ExtractionDeps {
  const model = createGeminiModel({
    model: 'gemini-2.5-flash',
    baseUrl: emulator.url,
    maxOutputTokens: 8192,
    thinkingBudget: 0,
  });
  return {
    ...core,
    runtime: createExtractionRuntime(model, { ...DEFAULT_EXTRACTION_OPTIONS, ...FAST, ...options }),
  };
}

/**
 * The ledger is exact where the provider answered, and never short where it did not: invariants
 * hold, nothing is held, every answer the gateway received is charged exactly what it billed, and
 * presumed charges (dispatched calls without an answer) cover what it billed for answers nobody
 * received.
 */
export async function expectExactLedger(core: TestCore, emulator: Emulator): Promise<void> {
  expect(await findLedgerViolations(core.db)).toEqual([]);
  expect(await countOpenReservations(core.db)).toBe(0);
  const { used, presumed } = await chargedTotals(core);
  const undelivered = emulator
    .requests()
    .filter((r) => r.status === 499)
    .reduce((s, r) => s + r.chargedTokens, 0);
  expect(used - presumed).toBe(emulator.stats().totalChargedTokens - undelivered);
  expect(presumed).toBeGreaterThanOrEqual(undelivered);
}

/** Σ charged over every key, and the part of it that is presumed. */
export async function chargedTotals(core: TestCore): Promise<{ used: number; presumed: number }> {
  const used = await core.db.db
    .selectFrom('TokenUsageSummary')
    .select((eb) => eb.fn.sum<number>('TotalUsedTokens').as('n'))
    .executeTakeFirst();
  const presumed = await core.db.db
    .selectFrom('TokenUsageLogs')
    .select((eb) => eb.fn.sum<number>('PresumedTokens').as('n'))
    .executeTakeFirst();
  return { used: Number(used?.n ?? 0), presumed: Number(presumed?.n ?? 0) };
}
