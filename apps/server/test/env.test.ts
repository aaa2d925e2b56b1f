import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/env.ts';

describe('configuration', () => {
  it('has working defaults: the embedded database on 127.0.0.1:8000', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      database: { kind: 'sqlite', filename: './data/ocr.sqlite' },
      requireClientKeys: false,
    });
    expect(c.extraction).toMatchObject({
      maxUploadBytes: 20 * 1024 * 1024,
      maxPdfPages: 50,
      maxRetries: 3,
      initialDelayMs: 1000,
      maxDelayMs: 30_000,
      deadlineMs: 120_000,
      minDispatchMs: 2000,
      quotaWaitMs: 10_000,
    });
    expect(c.ledger).toMatchObject({ maxOutputTokens: 8192, minOutputTokens: 1024 });
  });

  it('reads the quota wait and the output floor, which is never above the output cap', () => {
    const c = loadConfig({ QUOTA_WAIT_MS: '0', MIN_OUTPUT_TOKENS: '4096', MAX_OUTPUT_TOKENS: '2048' });
    expect(c.extraction.quotaWaitMs).toBe(0);
    expect(c.ledger).toMatchObject({ maxOutputTokens: 2048, minOutputTokens: 2048 });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ QUOTA_WAIT_MS: '-1' }, /QUOTA_WAIT_MS/],
    [{ MIN_OUTPUT_TOKENS: '0' }, /MIN_OUTPUT_TOKENS/],
    [{ REQUIRE_CLIENT_KEYS: 'maybe' }, /REQUIRE_CLIENT_KEYS: must be true or false/],
    [{ GEMINI_BASE_URL: 'not a url' }, /GEMINI_BASE_URL/],
    [
      { RESERVATION_TTL_SECONDS: '60' },
      /RESERVATION_TTL_SECONDS \(60\) must be longer than REQUEST_DEADLINE_MS/,
    ],
    [
      // The measured hole: a 30 s attempt on a 20 s hold, with a short deadline that looked safe.
      { RESERVATION_TTL_SECONDS: '20', REQUEST_DEADLINE_MS: '8000', GEMINI_ATTEMPT_TIMEOUT_MS: '30000' },
      /RESERVATION_TTL_SECONDS \(20\) must be longer than GEMINI_ATTEMPT_TIMEOUT_MS \(30000 ms\)/,
    ],
    [{ DB_TOKEN_SCHEMA: 'x; DROP' }, /DB_TOKEN_SCHEMA must be a plain SQL identifier/],
    [
      { REQUEST_DEADLINE_MS: '5000', MIN_DISPATCH_MS: '5000' },
      /MIN_DISPATCH_MS \(5000 ms\) must be shorter than REQUEST_DEADLINE_MS \(5000 ms\)/,
    ],
    [
      { REQUEST_DEADLINE_MS: '1500' },
      /MIN_DISPATCH_MS \(2000 ms\) must be shorter than REQUEST_DEADLINE_MS \(1500 ms\)/,
    ],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats a secret it refuses', () => {
    try {
      loadConfig({ DATABASE_URL: 'mssql://sa:Env-Secret-Pw@h:70000/db' });
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as Error).message).not.toContain('Env-Secret-Pw');
    }
  });
});
