import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ApiError, GoogleGenAI } from '@google/genai';
import {
  DEMO_INVOICE,
  type Emulator,
  type FaultType,
  renderInvoicePdf,
  startEmulator,
} from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure } from '../src/extraction/classify-failure.ts';
import { deadlineSignal } from '../src/extraction/deadline-signal.ts';
import { SYSTEM_INSTRUCTION, USER_PROMPT } from '../src/extraction/extraction-prompt.ts';
import {
  createGeminiModel,
  generateContentRequest,
  type ModelReply,
  ProviderHttpError,
  toUsageReport,
} from '../src/extraction/gemini-provider.ts';
import { INVOICE_RESPONSE_SCHEMA } from '../src/extraction/gemini-schema.ts';
import {
  createGeminiWire,
  type GeminiWireOptions,
  inlineDataBody,
  ProviderReplyError,
} from '../src/extraction/gemini-wire.ts';
import type { ValidatedFile } from '../src/extraction/validate-upload.ts';
import { fakeKey } from './helpers.ts';

const KEY = fakeKey('wire');
const MODEL = 'gemini-2.5-flash';
const pdf = renderInvoicePdf(DEMO_INVOICE);

const fileOf = (bytes: Buffer, mimeType: ValidatedFile['mimeType'] = 'application/pdf'): ValidatedFile => ({
  bytes,
  mimeType,
  kind: mimeType === 'application/pdf' ? 'pdf' : 'image',
  pages: 1,
  sizeBytes: bytes.length,
  sha256: '',
  fileName: undefined,
});

const modelAt = (baseUrl: string) =>
  createGeminiModel({ model: MODEL, baseUrl, maxOutputTokens: 8192, thinkingBudget: 0 });

/** The provider as it was before the wire adapter: @google/genai's generateContent, errors mapped the same way. */
async function sdkGenerate(
  baseUrl: string,
  file: ValidatedFile,
  signal: AbortSignal,
  fetchFn: typeof fetch = fetch,
): Promise<ModelReply> {
  let retryAfter: string | null = null;
  const client = new GoogleGenAI({
    apiKey: KEY,
    httpOptions: {
      baseUrl,
      fetch: async (input, init) => {
        const response = await fetchFn(input, init);
        if (!response.ok) retryAfter = response.headers.get('retry-after');
        return response;
      },
    },
  });
  try {
    const res = await client.models.generateContent({
      model: MODEL,
      contents: [
        {
          role: 'user',
          parts: [
            { text: USER_PROMPT },
            { inlineData: { mimeType: file.mimeType, data: file.bytes.toString('base64') } },
          ],
        },
      ],
      config: {
        systemInstruction: SYSTEM_INSTRUCTION,
        temperature: 0,
        responseMimeType: 'application/json',
        responseSchema: INVOICE_RESPONSE_SCHEMA as never,
        maxOutputTokens: 8192,
        thinkingConfig: { thinkingBudget: 0 },
        abortSignal: signal,
        httpOptions: { headers: { 'x-request-id': 'req-1' } },
      },
    });
    const candidate = res.candidates?.[0];
    return {
      text: candidate?.content?.parts?.map((p) => p.text ?? '').join('') || undefined,
      usage: toUsageReport(res.usageMetadata),
      blockReason: res.promptFeedback?.blockReason ?? undefined,
      finishReason: candidate?.finishReason ?? undefined,
      modelVersion: res.modelVersion ?? undefined,
    };
  } catch (error) {
    if (error instanceof ApiError) {
      let body: unknown = error.message;
      try {
        body = JSON.parse(error.message);
      } catch {}
      const ms = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
      throw new ProviderHttpError(error.status, body, ms);
    }
    throw error;
  }
}

/** A loopback HTTP server whose handler the test chooses; it records what arrived. */
interface RawServer {
  url: string;
  server: Server;
  received: Array<{ url: string; headers: IncomingMessage['headers']; body: Buffer }>;
  close(): Promise<void>;
}
async function rawServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const received: RawServer['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } satisfies RawServer;
}

const servers: RawServer[] = [];
const serve = async (handler: Parameters<typeof rawServer>[0]) => {
  const s = await rawServer(handler);
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The call's error and its classification; the key is in neither (unless the upstream echoed it in a body). */
async function failureOf(call: Promise<unknown>, { echoed = false } = {}) {
  const error = await call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(String((error as Error).message)).not.toContain(KEY);
  if (!echoed) expect(JSON.stringify(error)).not.toContain(KEY);
  const failure = classifyFailure(error, KEY);
  expect(failure.message).not.toContain(KEY);
  return { error, failure };
}

/** Waits for a condition the test cannot be told about (the emulator's record of a call). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const okReply = JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text: '{"a":1}' }] }, finishReason: 'STOP' }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
  modelVersion: MODEL,
});

describe('the body: JSON prefix, base64 slices, suffix', () => {
  it.each([0, 1, 2, 3, 4, 49_151, 49_152, 49_153, 3 * 49_152 + 2, 500_001])(
    'is byte for byte JSON.stringify of the whole request for %i bytes, with an exact length',
    async (n) => {
      const bytes = Buffer.alloc(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 131 + 7) & 0xff;
      const build = (data: string) =>
        generateContentRequest({ mimeType: 'application/pdf', data, maxOutputTokens: 99, thinkingBudget: 0 });
      const body = inlineDataBody(build, bytes);
      const expected = Buffer.from(JSON.stringify(build(bytes.toString('base64'))), 'utf8');
      expect(body.contentLength).toBe(expected.length);
      const server = await serve((_req, res) => res.end(okReply));
      await createGeminiWire({ baseUrl: server.url }).generateContent({
        model: MODEL,
        apiKey: KEY,
        body,
        signal: new AbortController().signal,
      });
      expect(server.received[0]!.body.equals(expected)).toBe(true);
      expect(server.received[0]!.headers['content-length']).toBe(String(expected.length));
    },
  );

  it('refuses a template without exactly one slot', () => {
    expect(() => inlineDataBody(() => ({ a: 1 }), Buffer.alloc(3))).toThrow(/exactly once/);
    expect(() => inlineDataBody((s) => ({ a: s, b: s }), Buffer.alloc(3))).toThrow(/exactly once/);
  });
});

describe('the request equals the one @google/genai sends', () => {
  it('same path, same JSON body, same headers that matter', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(okReply);
    });
    const file = fileOf(pdf);
    const signal = new AbortController().signal;
    const ours = await modelAt(server.url).generate({ apiKey: KEY, file, signal, requestId: 'req-1' });
    const theirs = await sdkGenerate(server.url, file, signal);
    expect(ours).toEqual(theirs);
    const [wire, sdk] = server.received as [RawServer['received'][0], RawServer['received'][0]];
    expect(wire.url).toBe(sdk.url);
    expect(wire.url).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(JSON.parse(wire.body.toString('utf8'))).toEqual(JSON.parse(sdk.body.toString('utf8')));
    for (const name of ['x-goog-api-key', 'content-type', 'x-request-id']) {
      expect(wire.headers[name], name).toBe(sdk.headers[name]);
    }
    expect(wire.headers['x-goog-api-client']).toMatch(/gl-node\//);
    expect(wire.headers['content-length']).toBe(String(wire.body.length));
  });

  it('keeps a base URL path prefix, as the SDK does', async () => {
    const server = await serve((_req, res) => res.end(okReply));
    await modelAt(`${server.url}/proxy/gemini/`).generate({
      apiKey: KEY,
      file: fileOf(pdf),
      signal: new AbortController().signal,
    });
    await sdkGenerate(`${server.url}/proxy/gemini/`, fileOf(pdf), new AbortController().signal);
    expect(server.received.map((r) => r.url)).toEqual([
      `/proxy/gemini/v1beta/models/${MODEL}:generateContent`,
      `/proxy/gemini/v1beta/models/${MODEL}:generateContent`,
    ]);
  });
});

describe('against the emulator', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ thoughtsTokens: 0 });
  });
  afterAll(async () => {
    await emulator.close();
  });
  afterEach(() => emulator.reset());

  it('reads an answer and its usage, which is what the emulator billed', async () => {
    const reply = await modelAt(emulator.url).generate({
      apiKey: KEY,
      file: fileOf(pdf),
      signal: new AbortController().signal,
      requestId: 'r-42',
    });
    expect(JSON.parse(reply.text!)).toMatchObject({ invoice_no: DEMO_INVOICE.invoice_no });
    expect(reply.finishReason).toBe('STOP');
    expect(reply.usage!.totalTokens).toBe(emulator.stats().totalChargedTokens);
    expect(reply.usage!.documentPromptTokens).toBeGreaterThan(0);
    const [recorded] = emulator.requests();
    expect(recorded).toMatchObject({
      keyVia: 'header',
      requestId: 'r-42',
      inlineBytes: pdf.length,
      temperature: 0,
      thinkingBudget: 0,
      hasResponseSchema: true,
    });
  });

  it('keeps connections alive: sequential calls share one, four at once use at most four', async () => {
    const model = modelAt(emulator.url);
    const call = () =>
      model.generate({ apiKey: KEY, file: fileOf(pdf), signal: new AbortController().signal });
    const before = emulator.connections();
    await call();
    await call();
    await call();
    expect(emulator.connections() - before).toBe(1);
    for (let round = 0; round < 3; round++) await Promise.all([call(), call(), call(), call()]);
    expect(emulator.connections() - before).toBeLessThanOrEqual(4);
  });

  it('a call slower than the idle-socket timeout still completes', async () => {
    emulator.queueFaults([{ type: 'slow', delayMs: 600 }]);
    const wire = createGeminiWire({ baseUrl: emulator.url, idleSocketMs: 100 });
    const body = inlineDataBody(
      (data) =>
        generateContentRequest({
          mimeType: 'application/pdf',
          data,
          maxOutputTokens: 100,
          thinkingBudget: 0,
        }),
      pdf,
    );
    const res = await wire.generateContent({
      model: MODEL,
      apiKey: KEY,
      body,
      signal: new AbortController().signal,
    });
    expect(res.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    wire.close();
  });

  it('a call queued behind a full pool can be aborted, and the pool still serves the next call', async () => {
    const wire = createGeminiWire({ baseUrl: emulator.url, maxSockets: 1 });
    const call = (signal: AbortSignal) =>
      wire.generateContent({
        model: MODEL,
        apiKey: KEY,
        body: inlineDataBody(
          (data) =>
            generateContentRequest({
              mimeType: 'application/pdf',
              data,
              maxOutputTokens: 100,
              thinkingBudget: 0,
            }),
          pdf,
        ),
        signal,
      });
    emulator.queueFaults([{ type: 'hang' }]);
    const first = new AbortController();
    const hung = call(first.signal);
    const second = new AbortController();
    const queued = call(second.signal);
    second.abort();
    expect(classifyFailure(await queued.catch((e: unknown) => e), KEY).code).toBe('TIMEOUT');
    // Aborted only once the emulator holds it, or the queued hang would fall to the next call.
    await until(() => emulator.requests().length === 1);
    first.abort();
    expect(classifyFailure(await hung.catch((e: unknown) => e), KEY).code).toBe('TIMEOUT');
    const res = await call(new AbortController().signal);
    expect(res.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    // The hung call's connection was destroyed; the queued one never opened one.
    expect(emulator.requests().map((r) => r.fault)).toEqual(['hang', null]);
    wire.close();
  });

  // Every fault the emulator knows, through the old SDK path and the new wire: the same classification.
  it.each([
    ['rate_limit', 'rate_limited', 'RESOURCE_EXHAUSTED', 429],
    ['retry_after', 'rate_limited', 'RESOURCE_EXHAUSTED', 429],
    ['daily_quota', 'key_quota_exhausted', 'DAILY_QUOTA_EXHAUSTED', 429],
    ['overloaded', 'transient', 'UNAVAILABLE', 503],
    ['internal', 'transient', 'INTERNAL', 500],
    ['bad_gateway', 'transient', 'HTTP_502', 502],
    ['deadline', 'transient', 'DEADLINE_EXCEEDED', 504],
    ['invalid_key', 'key_rejected', 'API_KEY_INVALID', 400],
    ['permission_denied', 'key_rejected', 'CONSUMER_SUSPENDED', 403],
    ['bad_request', 'rejected', 'INVALID_ARGUMENT', 400],
  ] as const)(
    '%s classifies as %s %s (HTTP %i), exactly as through the SDK',
    async (type, kind, code, status) => {
      const spec = { type: type as FaultType, retryDelaySeconds: 7 };
      emulator.queueFaults([spec]);
      const ours = await failureOf(
        modelAt(emulator.url).generate({
          apiKey: KEY,
          file: fileOf(pdf),
          signal: new AbortController().signal,
        }),
      );
      emulator.queueFaults([spec]);
      const theirs = await failureOf(sdkGenerate(emulator.url, fileOf(pdf), new AbortController().signal));
      expect(ours.error).toBeInstanceOf(ProviderHttpError);
      expect(ours.failure).toMatchObject({ kind, code, httpStatus: status, answerLost: false });
      expect(ours.failure).toEqual(theirs.failure);
      expect((ours.error as ProviderHttpError).body).toEqual((theirs.error as ProviderHttpError).body);
      if (type === 'retry_after' || type === 'rate_limit') expect(ours.failure.retryAfterMs).toBe(7000);
    },
  );

  it('a reset connection is a network failure whose answer may be lost, as through the SDK', async () => {
    emulator.queueFaults([{ type: 'reset' }]);
    const ours = await failureOf(
      modelAt(emulator.url).generate({
        apiKey: KEY,
        file: fileOf(pdf),
        signal: new AbortController().signal,
      }),
    );
    emulator.queueFaults([{ type: 'reset' }]);
    const theirs = await failureOf(sdkGenerate(emulator.url, fileOf(pdf), new AbortController().signal));
    const { message: _m1, ...a } = ours.failure;
    const { message: _m2, ...b } = theirs.failure;
    expect(a).toEqual(b);
    expect(a).toMatchObject({ kind: 'transient', code: 'NETWORK', answerLost: true });
    expect(ours.failure.message).toMatch(/ECONNRESET/);
  });

  it('a blocked prompt is an answer with a block reason', async () => {
    emulator.queueFaults([{ type: 'blocked' }]);
    const reply = await modelAt(emulator.url).generate({
      apiKey: KEY,
      file: fileOf(pdf),
      signal: new AbortController().signal,
    });
    expect(reply).toMatchObject({ text: undefined, blockReason: 'OTHER' });
    expect(reply.usage!.totalTokens).toBeGreaterThan(0);
  });

  it('an upstream that answers 413 before reading a large body: the answer wins over the broken write', async () => {
    const small = await startEmulator({ maxBodyBytes: 64 * 1024 });
    try {
      const { error, failure } = await failureOf(
        modelAt(small.url).generate({
          apiKey: KEY,
          file: fileOf(Buffer.alloc(4 * 1024 * 1024, 7)),
          signal: new AbortController().signal,
        }),
      );
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect(failure).toMatchObject({ httpStatus: 413, kind: 'rejected' });
    } finally {
      await small.close();
    }
  });

  it('a hung call ends at its deadline as a timeout whose answer may be lost', async () => {
    emulator.queueFaults([{ type: 'hang' }]);
    const bounded = deadlineSignal(new AbortController().signal, Date.now() + 200);
    const { failure } = await failureOf(
      modelAt(emulator.url).generate({ apiKey: KEY, file: fileOf(pdf), signal: bounded.signal }),
    );
    bounded.dispose();
    expect(failure).toMatchObject({ kind: 'transient', code: 'TIMEOUT', answerLost: true });
  });
});

describe('failures the emulator cannot make', () => {
  it('a refused connection is a network failure that carried nothing', async () => {
    const server = await serve(() => {});
    const url = server.url;
    await server.close();
    const { error, failure } = await failureOf(
      modelAt(url).generate({ apiKey: KEY, file: fileOf(pdf), signal: new AbortController().signal }),
    );
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(failure).toMatchObject({ kind: 'transient', code: 'NETWORK', answerLost: false });
  });

  it('an abort while the body is being sent rejects with the signal reason, and the upstream sees it end', async () => {
    let sawBytes!: () => void;
    const started = new Promise<void>((resolve) => {
      sawBytes = resolve;
    });
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
    });
    let upstream: IncomingMessage | undefined;
    const server = createServer((req) => {
      upstream = req;
      // Reads a little, then stops reading: the client is left writing into a full socket.
      req.once('data', () => {
        req.pause();
        sawBytes();
      });
      req.socket.on('close', () => closed());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      const call = modelAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).generate({
        apiKey: KEY,
        file: fileOf(Buffer.alloc(30 * 1024 * 1024, 1)),
        signal: controller.signal,
      });
      await started;
      controller.abort();
      const { error, failure } = await failureOf(call);
      expect((error as Error).name).toBe('AbortError');
      expect(failure).toMatchObject({ code: 'TIMEOUT', answerLost: true });
      // Reading again, the upstream finds the connection closed (a paused reader cannot see it).
      upstream!.resume();
      await gone;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an abort mid-answer rejects with the deadline reason (a TimeoutError)', async () => {
    let halfSent!: () => void;
    const half = new Promise<void>((resolve) => {
      halfSent = resolve;
    });
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(okReply.length) });
      res.write(okReply.slice(0, 20), () => halfSent());
    });
    const controller = new AbortController();
    const call = modelAt(server.url).generate({ apiKey: KEY, file: fileOf(pdf), signal: controller.signal });
    await half;
    controller.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    const { error, failure } = await failureOf(call);
    expect((error as Error).name).toBe('TimeoutError');
    expect(failure).toMatchObject({ code: 'TIMEOUT', answerLost: true });
  });

  it('an aborted signal never connects', async () => {
    const server = await serve((_req, res) => res.end(okReply));
    const controller = new AbortController();
    controller.abort();
    const { failure } = await failureOf(
      modelAt(server.url).generate({ apiKey: KEY, file: fileOf(pdf), signal: controller.signal }),
    );
    expect(failure.code).toBe('TIMEOUT');
    expect(server.received).toHaveLength(0);
  });

  it('an answer cut short is a lost answer (ECONNRESET)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(okReply.length) });
      res.write(okReply.slice(0, 20), () => res.destroy());
    });
    const { failure } = await failureOf(
      modelAt(server.url).generate({ apiKey: KEY, file: fileOf(pdf), signal: new AbortController().signal }),
    );
    expect(failure).toMatchObject({ kind: 'transient', code: 'NETWORK', answerLost: true });
    expect(failure.message).toMatch(/ECONNRESET/);
  });

  const wireAt = (url: string, options: GeminiWireOptions = {}) => {
    const wire = createGeminiWire({ baseUrl: url, ...options });
    return wire.generateContent({
      model: MODEL,
      apiKey: KEY,
      body: inlineDataBody((data) => ({ data }), pdf),
      signal: new AbortController().signal,
    });
  };

  it('an answer over the cap is refused, streamed or declared, and classified as lost', async () => {
    const big = Buffer.alloc(256 * 1024, 0x20);
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    });
    const one = await failureOf(wireAt(streamed.url, { maxReplyBytes: 64 * 1024 }));
    expect(one.error).toBeInstanceOf(ProviderReplyError);
    expect(one.failure).toMatchObject({ kind: 'transient', code: 'NETWORK', answerLost: true });
    expect(one.failure.message).toMatch(/REPLY_TOO_LARGE/);
    // Declared at 17 MB and never sent: refused on the header, under the default 16 MB cap.
    const declared = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(17 * 1024 * 1024) });
      res.write('{');
    });
    const two = await failureOf(wireAt(declared.url));
    expect((two.error as ProviderReplyError).code).toBe('REPLY_TOO_LARGE');
  });

  it('a 200 that is not JSON is a lost answer; an error labelled JSON that is not stays an HTTP error', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>${KEY}</html>`);
    });
    const one = await failureOf(wireAt(html.url));
    expect((one.error as ProviderReplyError).code).toBe('REPLY_NOT_JSON');
    expect(one.failure).toMatchObject({ code: 'NETWORK', answerLost: true });
    const lying = await serve((_req, res) => {
      res.writeHead(503, 'Service Unavailable', { 'content-type': 'application/json' });
      res.end('upstream connect error');
    });
    const two = await failureOf(wireAt(lying.url));
    expect(two.failure).toMatchObject({
      kind: 'transient',
      code: 'HTTP_503',
      httpStatus: 503,
      message: 'upstream connect error',
      answerLost: false,
    });
  });

  it('a key echoed in an error body is scrubbed from the classified message', async () => {
    const echo = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 400, message: `bad key ${KEY}`, status: 'INVALID_ARGUMENT' } }),
      );
    });
    const { error, failure } = await failureOf(wireAt(echo.url), { echoed: true });
    expect(JSON.stringify((error as ProviderHttpError).body)).toContain(KEY);
    expect(failure.message).toBe('bad key [key]');
  });

  it('an upstream that answers early and stops reading: the answer is read, the unsent rest is dropped', async () => {
    let upstream: Socket | undefined;
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const error = '{"error":{"code":400,"message":"too big","status":"INVALID_ARGUMENT"}}';
    const server = createNetServer((socket) => {
      upstream = socket;
      socket.on('close', () => closed());
      socket.once('data', () => {
        socket.pause();
        socket.write(
          `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${error.length}\r\n\r\n${error}`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // A long idle timeout, so only the adapter giving up on the body can close the connection.
      const wire = createGeminiWire({ baseUrl: url, idleSocketMs: 120_000 });
      const { failure } = await failureOf(
        wire.generateContent({
          model: MODEL,
          apiKey: KEY,
          body: inlineDataBody((data) => ({ data }), Buffer.alloc(30 * 1024 * 1024, 1)),
          signal: new AbortController().signal,
        }),
      );
      expect(failure).toMatchObject({ httpStatus: 400, code: 'INVALID_ARGUMENT', message: 'too big' });
      upstream!.resume();
      await gone;
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a compressed answer is read (no Accept-Encoding is sent, but an upstream may compress anyway)', async () => {
    const server = await serve((req, res) => {
      expect(req.headers['accept-encoding']).toBeUndefined();
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(okReply));
    });
    const res = await wireAt(server.url);
    expect(res.usageMetadata?.totalTokenCount).toBe(5);
  });

  it('a Retry-After date becomes a delay', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': new Date(Date.now() + 60_000).toUTCString(),
      });
      res.end(JSON.stringify({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } }));
    });
    const { failure } = await failureOf(wireAt(server.url));
    expect(failure.kind).toBe('rate_limited');
    expect(failure.retryAfterMs).toBeGreaterThan(50_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('a key with a line break is refused before anything is sent, without echoing it', async () => {
    const server = await serve((_req, res) => res.end(okReply));
    const bad = `${KEY}\r\nx-evil: 1`;
    const error = await createGeminiWire({ baseUrl: server.url })
      .generateContent({
        model: MODEL,
        apiKey: bad,
        body: inlineDataBody((data) => ({ data }), pdf),
        signal: new AbortController().signal,
      })
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain(KEY);
    expect(server.received).toHaveLength(0);
  });
});
