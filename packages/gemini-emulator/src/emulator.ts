import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { invoiceFromImage, invoiceFromLines, pdfTextLines } from './document-reader.ts';
import { errorReply, type FaultSpec, type FaultType, seededRandom } from './faults.ts';
import { imageTokens } from './image-tokens.ts';
import { pdfPageCount } from './page-count.ts';

export interface EmulatorOptions {
  port?: number;
  /**
   * Thinking tokens the model "wants" per call (billed as output). Like Google, a request's
   * thinkingBudget caps them, unless thinkingOverflowTokens says by how much the model overshoots.
   */
  thoughtsTokens?: number;
  /** Thoughts reported beyond the request's thinkingBudget (Google: the model "might overflow" it). */
  thinkingOverflowTokens?: number;
  /** Added to every answer, to look like a real upstream in benchmarks. */
  latencyMs?: number;
  /** When set, any other key is answered 400 API_KEY_INVALID. */
  validKeys?: readonly string[];
  /** Largest request body accepted (Google: 100 MB inline). */
  maxBodyBytes?: number;
}

/**
 * A lasting state of one key, answered to generateContent and countTokens alike, as Google does:
 * 'invalid' 400 API_KEY_INVALID, 'revoked' 403 PERMISSION_DENIED, 'daily_quota' 429 per-day quota.
 */
export const KEY_STATES = ['invalid', 'revoked', 'daily_quota'] as const;
export type KeyState = (typeof KEY_STATES)[number];

const STATE_FAULT: Record<KeyState, FaultType> = {
  invalid: 'invalid_key',
  revoked: 'permission_denied',
  daily_quota: 'daily_quota',
};

export interface KeyStats {
  requests: number;
  succeeded: number;
  failed: number;
  /** What Google would bill this key: totalTokenCount of every answer that carried usage, delivered or not. */
  chargedTokens: number;
}

export interface RecordedRequest {
  at: string;
  model: string;
  method: string;
  /** SHA-256 of the key: the same value the gateway stores as TokenMaster.KeyHash. */
  keyHash: string | null;
  keyVia: 'header' | 'query' | null;
  status: number;
  fault: FaultType | null;
  mimeTypes: string[];
  inlineBytes: number;
  temperature: number | undefined;
  responseMimeType: string | undefined;
  hasResponseSchema: boolean;
  maxOutputTokens: number | undefined;
  /** generationConfig.thinkingConfig.thinkingBudget as sent; undefined when absent. */
  thinkingBudget: number | undefined;
  /** The caller's X-Request-Id, when it sends one (the gateway does), to reconcile charges per request. */
  requestId: string | null;
  /** Tokens billed for this call: its answer's totalTokenCount, delivered or not (status 499: the client was gone). */
  chargedTokens: number;
}

export interface Emulator {
  readonly url: string;
  /** Faults for the next requests with this key (or any key when omitted), in order. */
  queueFaults(faults: readonly FaultSpec[], key?: string): void;
  /** From now on this key is answered as `state` by every method (null: healthy again). */
  setKeyState(key: string, state: KeyState | null): void;
  /** From now on, each request fails with probability `rate` with one of `types` (seeded). */
  setRandomFaults(config: { rate: number; seed: number; types: readonly FaultType[] } | null): void;
  stats(): { byKeyHash: Record<string, KeyStats>; totalChargedTokens: number };
  requests(): RecordedRequest[];
  /**
   * countTokens calls (free, like Google's: never billed, never in stats() or requests(), and
   * queued or random faults are left for generateContent).
   */
  probes(): RecordedRequest[];
  /** TCP connections accepted since start (reset() keeps it): shows whether a client keeps them alive. */
  connections(): number;
  reset(): void;
  close(): Promise<void>;
}

const PAGE_TOKENS = 258;

const hash = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
const tokens = (text: string) => Math.ceil(text.length / 4);

/** Starts the emulator on 127.0.0.1 (never another interface). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const keyFaults = new Map<string, FaultSpec[]>();
  const anyFaults: FaultSpec[] = [];
  let random: { rate: number; next: () => number; types: readonly FaultType[] } | null = null;
  let stats = new Map<string, KeyStats>();
  let recorded: RecordedRequest[] = [];
  let probes: RecordedRequest[] = [];
  const keyStates = new Map<string, KeyState>();
  /** Counts reset()s: a call received before one never bills into the stats that follow it. */
  let resets = 0;
  const sockets = new Set<Socket>();
  let accepted = 0;
  const maxBody = options.maxBodyBytes ?? 100 * 1024 * 1024;

  const statFor = (keyHash: string) => {
    let s = stats.get(keyHash);
    if (!s) {
      s = { requests: 0, succeeded: 0, failed: 0, chargedTokens: 0 };
      stats.set(keyHash, s);
    }
    return s;
  };

  const nextFault = (key: string): FaultSpec | undefined => {
    const queued = keyFaults.get(key)?.shift() ?? anyFaults.shift();
    if (queued) return queued;
    if (random && random.next() < random.rate)
      return { type: random.types[Math.floor(random.next() * random.types.length)]! };
    return undefined;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/_emulator/')) return admin(req, res, url);
    const route = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|countTokens)$/.exec(url.pathname);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBody)
        return send(res, 413, {
          error: {
            code: 413,
            message: 'Request payload size exceeds the limit.',
            status: 'INVALID_ARGUMENT',
          },
        });
      chunks.push(chunk as Buffer);
    }
    if (!route || req.method !== 'POST') {
      return send(res, 404, {
        error: { code: 404, message: `Path ${url.pathname} not found.`, status: 'NOT_FOUND' },
      });
    }
    const [, , model, method] = route as unknown as [string, string, string, string];
    const headerKey = req.headers['x-goog-api-key'];
    const key = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? url.searchParams.get('key') ?? null;
    const record: RecordedRequest = {
      at: new Date().toISOString(),
      model,
      method,
      keyHash: key ? hash(key) : null,
      keyVia: headerKey ? 'header' : key ? 'query' : null,
      status: 200,
      fault: null,
      mimeTypes: [],
      inlineBytes: 0,
      temperature: undefined,
      responseMimeType: undefined,
      hasResponseSchema: false,
      maxOutputTokens: undefined,
      thinkingBudget: undefined,
      requestId: (req.headers['x-request-id'] as string | undefined) ?? null,
      chargedTokens: 0,
    };
    const probe = method === 'countTokens';
    if (probe) {
      probes.push(record);
      if (probes.length > 5000) probes = probes.slice(-4000);
    } else {
      recorded.push(record);
      if (recorded.length > 5000) recorded = recorded.slice(-4000);
    }
    const receivedIn = resets;
    const reply = (status: number, body: unknown, headers?: Record<string, string>, charged = 0) => {
      if (probe) {
        record.status = res.destroyed || req.socket.destroyed ? 499 : status;
        if (record.status !== 499) send(res, status, body, headers);
        return;
      }
      // Like Google, a call received is billed once its answer is produced, even when the
      // client gave up waiting (its timeout) and never receives it: recorded as status 499.
      if (res.destroyed || req.socket.destroyed) {
        record.status = 499;
        record.chargedTokens = charged;
        if (record.keyHash && receivedIn === resets) {
          const s = statFor(record.keyHash);
          s.requests += 1;
          s.failed += 1;
          s.chargedTokens += charged;
        }
        return;
      }
      record.status = status;
      record.chargedTokens = charged;
      if (record.keyHash && receivedIn === resets) {
        const s = statFor(record.keyHash);
        s.requests += 1;
        if (status === 200) s.succeeded += 1;
        else s.failed += 1;
        s.chargedTokens += charged;
      }
      send(res, status, body, headers);
    };
    if (!key) {
      return reply(403, {
        error: {
          code: 403,
          message:
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
          status: 'PERMISSION_DENIED',
        },
      });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return reply(400, {
        error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' },
      });
    }
    const request = (
      method === 'countTokens' && body.generateContentRequest ? body.generateContentRequest : body
    ) as Record<string, unknown>;
    const parts = ((request.contents as Array<{ parts?: Array<Record<string, unknown>> }>) ?? []).flatMap(
      (c) => c.parts ?? [],
    );
    const system = ((request.systemInstruction as { parts?: Array<{ text?: string }> })?.parts ?? [])
      .map((p) => p.text ?? '')
      .join('\n');
    const texts = [system, ...parts.map((p) => (typeof p.text === 'string' ? p.text : ''))].join('\n');
    const media = parts.flatMap((p) => {
      const inline = p.inlineData as { mimeType?: string; data?: string } | undefined;
      return inline?.data
        ? [
            {
              mimeType: inline.mimeType ?? 'application/octet-stream',
              bytes: Buffer.from(inline.data, 'base64'),
            },
          ]
        : [];
    });
    const config = (request.generationConfig ?? {}) as Record<string, unknown>;
    record.mimeTypes = media.map((m) => m.mimeType);
    record.inlineBytes = media.reduce((s, m) => s + m.bytes.length, 0);
    record.temperature = config.temperature as number | undefined;
    record.responseMimeType = config.responseMimeType as string | undefined;
    record.hasResponseSchema = Boolean(config.responseSchema ?? config.responseJsonSchema);
    record.maxOutputTokens = config.maxOutputTokens as number | undefined;
    record.thinkingBudget = (
      config.thinkingConfig as { thinkingBudget?: number } | undefined
    )?.thinkingBudget;

    const textTokens = tokens(texts);
    const pdfs = media.filter((m) => m.mimeType === 'application/pdf');
    const images = media.filter((m) => m.mimeType.startsWith('image/'));
    const documentTokens = pdfs.reduce((s, m) => s + pdfPageCount(m.bytes) * PAGE_TOKENS, 0);
    const imagePromptTokens = images.reduce((s, m) => s + imageTokens(m.bytes), 0);
    const promptTokens = textTokens + documentTokens + imagePromptTokens;
    const promptTokensDetails = [
      { modality: 'TEXT', tokenCount: textTokens },
      ...(documentTokens ? [{ modality: 'DOCUMENT', tokenCount: documentTokens }] : []),
      ...(imagePromptTokens ? [{ modality: 'IMAGE', tokenCount: imagePromptTokens }] : []),
    ];
    const state = options.validKeys && !options.validKeys.includes(key) ? 'invalid' : keyStates.get(key);
    if (state) {
      record.fault = STATE_FAULT[state];
      const refused = errorReply({ type: STATE_FAULT[state] }, model)!;
      return reply(refused.status, refused.body, refused.headers);
    }
    if (probe) return reply(200, { totalTokens: promptTokens, promptTokensDetails });
    const fault = nextFault(key);
    record.fault = fault?.type ?? null;
    if (options.latencyMs) await sleep(options.latencyMs);
    if (fault) {
      const error = errorReply(fault, model);
      if (error) return reply(error.status, error.body, error.headers);
      if (fault.type === 'reset') {
        record.status = 0;
        if (record.keyHash) statFor(record.keyHash).requests += 1;
        if (record.keyHash) statFor(record.keyHash).failed += 1;
        req.socket.destroy();
        return;
      }
      if (fault.type === 'hang') {
        record.status = 0;
        return; // Never answers; the client's timeout must end it.
      }
      if (fault.type === 'slow') await sleep(fault.delayMs ?? 2000);
    }
    const budget = record.thinkingBudget;
    const wanted = options.thoughtsTokens ?? 0;
    const thoughts =
      budget === undefined || budget < 0
        ? wanted
        : Math.min(wanted, budget + (options.thinkingOverflowTokens ?? 0));
    const usage = (candidates: number) => {
      return {
        promptTokenCount: promptTokens,
        candidatesTokenCount: candidates,
        ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
        totalTokenCount: promptTokens + candidates + thoughts,
        promptTokensDetails,
        ...(candidates ? { candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: candidates }] } : {}),
      };
    };
    if (fault?.type === 'blocked') {
      const usageMetadata = {
        promptTokenCount: promptTokens,
        totalTokenCount: promptTokens,
        promptTokensDetails,
      };
      return reply(
        200,
        {
          promptFeedback: { blockReason: 'OTHER' },
          usageMetadata,
          modelVersion: model,
          responseId: randomUUID(),
        },
        undefined,
        promptTokens,
      );
    }
    let invoice: unknown;
    if (pdfs[0]) invoice = invoiceFromLines(pdfTextLines(pdfs[0].bytes));
    else if (images[0]) invoice = invoiceFromImage(images[0].bytes);
    else invoice = invoiceFromLines(texts.split('\n'));
    let text = JSON.stringify(invoice);
    if (fault?.type === 'malformed_json') text = text.slice(0, Math.floor(text.length / 2));
    if (fault?.type === 'schema_mismatch')
      text = JSON.stringify({ ...(invoice as object), products: 'see attached' });
    let finishReason = 'STOP';
    const cap = record.maxOutputTokens;
    if (cap !== undefined && tokens(text) > cap) {
      text = text.slice(0, cap * 4);
      finishReason = 'MAX_TOKENS';
    }
    const usageMetadata = usage(tokens(text));
    return reply(
      200,
      {
        candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }],
        usageMetadata,
        modelVersion: model,
        responseId: randomUUID(),
      },
      undefined,
      usageMetadata.totalTokenCount,
    );
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    switch (`${req.method} ${url.pathname}`) {
      case 'POST /_emulator/faults':
        emulator.queueFaults(body.faults as FaultSpec[], body.key as string | undefined);
        return send(res, 200, { ok: true });
      case 'POST /_emulator/random':
        emulator.setRandomFaults(
          body.rate ? (body as { rate: number; seed: number; types: FaultType[] }) : null,
        );
        return send(res, 200, { ok: true });
      case 'GET /_emulator/stats':
        return send(res, 200, emulator.stats());
      case 'GET /_emulator/requests':
        return send(res, 200, emulator.requests());
      case 'GET /_emulator/probes':
        return send(res, 200, emulator.probes());
      case 'POST /_emulator/key-state': {
        const state = (body.state as KeyState | null | undefined) ?? null;
        if (state !== null && !KEY_STATES.includes(state))
          return send(res, 400, {
            error: `state must be one of ${KEY_STATES.join(', ')}, or null to clear it`,
          });
        emulator.setKeyState(body.key as string, state);
        return send(res, 200, { ok: true });
      }
      case 'POST /_emulator/reset':
        emulator.reset();
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: 'unknown emulator admin route' });
    }
  }

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, { error: { code: 500, message: String(error), status: 'INTERNAL' } });
    });
  });
  server.on('connection', (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A port already taken rejects (EADDRINUSE) rather than crashing the process.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const emulator: Emulator = {
    url: `http://127.0.0.1:${port}`,
    queueFaults(faults, key) {
      if (key === undefined) anyFaults.push(...faults);
      else keyFaults.set(key, [...(keyFaults.get(key) ?? []), ...faults]);
    },
    setKeyState(key, state) {
      if (state) keyStates.set(key, state);
      else keyStates.delete(key);
    },
    setRandomFaults(config) {
      random = config && { rate: config.rate, types: config.types, next: seededRandom(config.seed) };
    },
    stats() {
      const byKeyHash = Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }]));
      return { byKeyHash, totalChargedTokens: [...stats.values()].reduce((s, v) => s + v.chargedTokens, 0) };
    },
    requests: () => [...recorded],
    connections: () => accepted,
    probes: () => [...probes],
    reset() {
      resets += 1;
      keyFaults.clear();
      anyFaults.length = 0;
      random = null;
      stats = new Map();
      recorded = [];
      probes = [];
      keyStates.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emulator;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
