import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_INVOICE, type Emulator, pdfPageCount, renderInvoicePdf, startEmulator } from '../src/index.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ thoughtsTokens: 7 });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

const KEY = 'AIzaFAKE-emulator-test-key';
const client = (key = KEY) => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: emulator.url } });
const pdf = renderInvoicePdf(DEMO_INVOICE, { compress: true, pages: 2 });
const request = (extra: Record<string, unknown> = {}) => ({
  model: 'gemini-2.5-flash',
  contents: [
    {
      role: 'user',
      parts: [
        { text: 'Extract the invoice.' },
        { inlineData: { mimeType: 'application/pdf', data: pdf.toString('base64') } },
      ],
    },
  ],
  config: {
    temperature: 0,
    responseMimeType: 'application/json',
    responseSchema: { type: 'OBJECT' },
    ...extra,
  },
});

describe('the Gemini emulator, through the real @google/genai SDK', () => {
  it('answers generateContent with the invoice the PDF shows and Google-shaped usage', async () => {
    const res = await client().models.generateContent(request());
    const invoice = JSON.parse(res.text ?? '');
    expect(invoice).toMatchObject({
      invoice_no: 'INV-2026-0042',
      invoice_date: '2026-11-20',
      company_name: 'Himalayan Traders Pvt Ltd',
      currency: 'NPR',
    });
    expect(invoice.products).toEqual([
      expect.objectContaining({
        sku: 'Basmati Rice 5kg',
        quantity: 10,
        rate: 1250,
        unit: 'bag',
        hscode: '1006.30',
      }),
      expect.objectContaining({ sku: 'Sunflower Oil 1L', quantity: 24, rate: 310.5 }),
    ]);
    const u = res.usageMetadata!;
    expect(u.promptTokensDetails).toContainEqual({ modality: 'DOCUMENT', tokenCount: 2 * 258 });
    expect(u.thoughtsTokenCount).toBe(7);
    expect(u.totalTokenCount).toBe((u.promptTokenCount ?? 0) + (u.candidatesTokenCount ?? 0) + 7);
    const [seen] = emulator.requests();
    expect(seen).toMatchObject({
      keyVia: 'header',
      mimeTypes: ['application/pdf'],
      temperature: 0,
      responseMimeType: 'application/json',
      hasResponseSchema: true,
    });
    expect(emulator.stats().totalChargedTokens).toBe(u.totalTokenCount);
    expect(pdfPageCount(pdf)).toBe(2);
  });

  it('counts tokens', async () => {
    const res = await client().models.countTokens({
      model: 'gemini-2.5-flash',
      contents: request().contents,
    });
    expect(res.totalTokens).toBeGreaterThan(516);
  });

  it.each([
    ['invalid', 400, 'API_KEY_INVALID'],
    ['revoked', 403, 'CONSUMER_SUSPENDED'],
    ['daily_quota', 429, undefined],
  ] as const)(
    'answers a key set %s with HTTP %i on countTokens and generateContent alike',
    async (state, status, reason) => {
      emulator.setKeyState(KEY, state);
      for (const call of [
        () => client().models.countTokens({ model: 'gemini-2.5-flash', contents: 'ping' }),
        () => client().models.generateContent(request()),
      ]) {
        const error = (await call().catch((e: unknown) => e)) as ApiError;
        expect(error).toBeInstanceOf(ApiError);
        expect(error.status).toBe(status);
        if (reason) expect(error.message).toContain(reason);
      }
      // Another key is unaffected, and healthy again once cleared.
      await client('AIzaFAKE-other-key').models.countTokens({ model: 'm', contents: 'ping' });
      emulator.setKeyState(KEY, null);
      await client().models.countTokens({ model: 'm', contents: 'ping' });
      // countTokens is free: listed as probes, never billed, never in requests() or stats().
      expect(emulator.probes().map((p) => p.status)).toEqual([status, 200, 200]);
      expect(emulator.requests()).toHaveLength(1);
      expect(emulator.stats().totalChargedTokens).toBe(0);
    },
  );

  it('leaves queued faults for generateContent: a probe never takes one', async () => {
    emulator.queueFaults([{ type: 'overloaded' }]);
    await client().models.countTokens({ model: 'm', contents: 'ping' });
    const error = (await client()
      .models.generateContent(request())
      .catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(503);
  });

  it('sets and clears a key state over HTTP, and refuses a state it does not know', async () => {
    const post = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/key-state`, { method: 'POST', body: JSON.stringify(body) });
    const bad = await post({ key: KEY, state: 'valid' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('or null to clear it') });
    expect((await post({ key: KEY, state: 'revoked' })).status).toBe(200);
    expect((await post({ key: KEY, state: null })).status).toBe(200);
  });

  it('takes the key as ?key= too, and refuses a request without one', async () => {
    const body = JSON.stringify({ contents: [{ parts: [{ text: 'Invoice No: X-1' }] }] });
    const ok = await fetch(`${emulator.url}/v1beta/models/m:generateContent?key=${KEY}`, {
      method: 'POST',
      body,
    });
    expect(ok.status).toBe(200);
    const none = await fetch(`${emulator.url}/v1beta/models/m:generateContent`, { method: 'POST', body });
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
  });

  it.each([
    ['rate_limit', 429, 'RESOURCE_EXHAUSTED'],
    ['daily_quota', 429, 'RESOURCE_EXHAUSTED'],
    ['overloaded', 503, 'UNAVAILABLE'],
    ['internal', 500, 'INTERNAL'],
    ['deadline', 504, 'DEADLINE_EXCEEDED'],
    ['invalid_key', 400, 'INVALID_ARGUMENT'],
    ['permission_denied', 403, 'PERMISSION_DENIED'],
  ] as const)('injects %s as HTTP %i %s, which the SDK raises as ApiError', async (type, status, rpc) => {
    emulator.queueFaults([{ type }], KEY);
    const error = await client()
      .models.generateContent(request())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(status);
    expect(JSON.parse((error as ApiError).message).error.status).toBe(rpc);
    // Only the faulted key is affected, and only once.
    await client().models.generateContent(request());
    expect(emulator.stats().byKeyHash[emulator.requests()[0]!.keyHash!]).toMatchObject({
      requests: 2,
      failed: 1,
      succeeded: 1,
    });
  });

  it('blocks a prompt with HTTP 200, no candidates, and the prompt tokens billed', async () => {
    emulator.queueFaults([{ type: 'blocked' }]);
    const res = await client().models.generateContent(request());
    expect(res.candidates).toBeUndefined();
    expect(res.promptFeedback?.blockReason).toBe('OTHER');
    expect(res.usageMetadata?.totalTokenCount).toBe(res.usageMetadata?.promptTokenCount);
    expect(emulator.stats().totalChargedTokens).toBe(res.usageMetadata?.totalTokenCount);
  });

  it('bills an answer it produced for a client that stopped waiting (status 499), and never into the stats after a reset', async () => {
    emulator.queueFaults([{ type: 'slow', delayMs: 300 }]);
    await expect(
      client().models.generateContent(request({ abortSignal: AbortSignal.timeout(50) })),
    ).rejects.toThrow();
    const deadline = Date.now() + 5000;
    while (!emulator.requests().some((r) => r.status === 499) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const [abandoned] = emulator.requests();
    expect(abandoned).toMatchObject({ status: 499, fault: 'slow' });
    expect(abandoned!.chargedTokens).toBeGreaterThan(0);
    expect(emulator.stats().totalChargedTokens).toBe(abandoned!.chargedTokens);
    // A call still running when the emulator is reset bills into the stats it was received under.
    emulator.queueFaults([{ type: 'slow', delayMs: 300 }]);
    await expect(
      client().models.generateContent(request({ abortSignal: AbortSignal.timeout(50) })),
    ).rejects.toThrow();
    emulator.reset();
    await new Promise((r) => setTimeout(r, 400));
    expect(emulator.stats().totalChargedTokens).toBe(0);
  });

  it('resets connections, and keeps random faults replayable by seed', async () => {
    emulator.queueFaults([{ type: 'reset' }]);
    await expect(client().models.generateContent(request())).rejects.toThrow();
    const run = async () => {
      emulator.reset();
      emulator.setRandomFaults({ rate: 0.5, seed: 42, types: ['overloaded', 'internal'] });
      const outcomes = [];
      for (let i = 0; i < 10; i++)
        outcomes.push(
          await client()
            .models.generateContent(request())
            .then(
              () => 200,
              (e: ApiError) => e.status,
            ),
        );
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.some((s) => s !== 200) && first.some((s) => s === 200)).toBe(true);
  });

  it('cuts the answer at maxOutputTokens', async () => {
    const res = await client().models.generateContent(request({ maxOutputTokens: 10 }));
    expect(res.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
    expect(res.usageMetadata?.candidatesTokenCount).toBe(10);
  });
});
