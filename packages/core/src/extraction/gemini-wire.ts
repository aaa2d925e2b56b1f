import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { GenerateContentResponse } from '@google/genai';

/**
 * The one HTTP call the gateway makes to Gemini, written by hand rather than through
 * @google/genai's `generateContent`: the SDK stringifies the whole request (a full base64 copy of
 * the document inside one string) and fetch copies it again, which was most of the CPU per
 * extraction. Here the JSON around the document is stringified once, the document is base64-encoded
 * in slices straight onto the socket, and connections are kept alive in a pool. The request is the
 * one the SDK sends (test/gemini-wire.test.ts compares them); the SDK's types still describe the answer.
 */

export const GOOGLE_BASE_URL = 'https://generativelanguage.googleapis.com';
export const API_VERSION = 'v1beta';

/** What the gateway reads of a generateContent answer (the plain JSON, not the SDK's class). */
export type GenerateContentReply = Pick<
  GenerateContentResponse,
  'candidates' | 'promptFeedback' | 'usageMetadata' | 'modelVersion' | 'responseId'
>;

/** An HTTP error from the provider, with its parsed body and the Retry-After header. */
export class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`provider answered HTTP ${status}`);
    this.name = 'ProviderHttpError';
  }
}

/**
 * An answer that arrived but cannot be read (not JSON, over the size cap). It carries a `code`,
 * so classifyFailure treats it as a network failure whose answer was lost: the provider may have
 * billed it.
 */
export class ProviderReplyError extends Error {
  constructor(
    readonly code: 'REPLY_NOT_JSON' | 'REPLY_TOO_LARGE' | 'REPLY_UNREADABLE',
    message: string,
  ) {
    super(message);
    this.name = 'ProviderReplyError';
  }
}

/** A JSON body with one base64 string in it, kept as the bytes it encodes until it is written. */
export interface InlineDataBody {
  /** Everything before the base64 text (ends with the opening quote). */
  readonly prefix: Buffer;
  readonly data: Buffer;
  /** Everything after it (starts with the closing quote). */
  readonly suffix: Buffer;
  /** Exact bytes on the wire. */
  readonly contentLength: number;
}

const SLOT = 'INLINE_DATA_SLOT_c0ffee';

/**
 * `JSON.stringify(build(base64(data)))` without the base64 string: `build` is called once with a
 * placeholder, and the JSON is cut around it. Base64 needs no JSON escaping, so the bytes written are
 * exactly what stringify would give.
 */
export function inlineDataBody(build: (slot: string) => unknown, data: Buffer): InlineDataBody {
  const json = JSON.stringify(build(SLOT));
  const quoted = JSON.stringify(SLOT);
  const at = json.indexOf(quoted);
  if (at < 0 || json.indexOf(quoted, at + 1) >= 0) {
    throw new Error('the request template must hold the inline data slot exactly once');
  }
  const prefix = Buffer.from(json.slice(0, at + 1), 'utf8');
  const suffix = Buffer.from(json.slice(at + quoted.length - 1), 'utf8');
  return {
    prefix,
    data,
    suffix,
    contentLength: prefix.length + base64Length(data.length) + suffix.length,
  };
}

export const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

/** 48 KiB of input (a multiple of 3, so slices join without padding) → 64 KiB of base64 per write. */
const SLICE = 48 * 1024;

export interface GeminiWireOptions {
  /** Google's endpoint unless set (the emulator in tests, demos and benchmarks). */
  baseUrl?: string | undefined;
  /**
   * Concurrent connections to the provider (default 1024). Calls beyond it wait in the agent's
   * queue while their deadline runs, unseen by any log: so it sits above what the gateway admits at
   * once (a burst of 1,000 held calls is benchmarked) and only guards file descriptors.
   */
  maxSockets?: number;
  /** An answer larger than this is refused (Gemini's are kilobytes; 16 MB is a broken upstream). */
  maxReplyBytes?: number;
  /**
   * An idle pooled connection is closed after this long, before the server would: reusing one the
   * server is closing at that moment loses the call. The server's Keep-Alive hint lowers it.
   */
  idleSocketMs?: number;
}

export interface GenerateContentCall {
  model: string;
  apiKey: string;
  body: InlineDataBody;
  signal: AbortSignal;
  requestId?: string | undefined;
}

export interface GeminiWire {
  generateContent(call: GenerateContentCall): Promise<GenerateContentReply>;
  /** Closes every connection, idle or in flight (idle ones never hold the process open anyway). */
  close(): void;
}

const CLIENT_LABEL = `invoicegw gl-node/${process.version}`;

/** One keep-alive pool per wire (per InvoiceModel): nothing at module level. */
export function createGeminiWire(options: GeminiWireOptions = {}): GeminiWire {
  const base = new URL(options.baseUrl || GOOGLE_BASE_URL);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new RangeError(`the Gemini base URL must be http: or https:, not ${base.protocol}`);
  }
  const secure = base.protocol === 'https:';
  const maxSockets = options.maxSockets ?? 1024;
  const agentOptions = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    // Sockets are taken hottest first, so the idle ones are the ones that time out.
    scheduling: 'lifo' as const,
    // On a pooled idle socket this closes it; on a busy one it only emits 'timeout', which is ignored:
    // how long a call may take is the caller's signal's business.
    timeout: options.idleSocketMs ?? 4000,
  };
  const agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const send = secure ? httpsRequest : httpRequest;
  const maxReply = options.maxReplyBytes ?? 16 * 1024 * 1024;
  const basePath = base.pathname.replace(/\/+$/, '');

  return {
    async generateContent({ model, apiKey, body, signal, requestId }) {
      const modelPath =
        model.startsWith('models/') || model.startsWith('tunedModels/') ? model : `models/${model}`;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(body.contentLength),
        'x-goog-api-key': apiKey,
        'x-goog-api-client': CLIENT_LABEL,
        'user-agent': CLIENT_LABEL,
        accept: 'application/json',
      };
      // Lets a provider-side log (or the emulator) be matched to the gateway's request.
      if (requestId) headers['x-request-id'] = requestId;
      const reply = await exchange(signal, maxReply, body, () =>
        send({
          protocol: base.protocol,
          // An IPv6 literal comes bracketed in a URL, bare in a socket address.
          hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: base.port || undefined,
          path: `${basePath}/${API_VERSION}/${modelPath}:generateContent${base.search}`,
          method: 'POST',
          agent,
          headers,
        }),
      );
      return readReply(reply, maxReply);
    },
    close() {
      agent.destroy();
    },
  };
}

interface RawReply {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * Writes the body, reads the answer into one Buffer. Rejects with the signal's reason on abort (as
 * fetch does: classifyFailure reads AbortError/TimeoutError as a timeout), with Node's socket errors
 * (ECONNREFUSED, ECONNRESET…) as they are, and with REPLY_TOO_LARGE past the cap.
 */
function exchange(
  signal: AbortSignal,
  maxReply: number,
  body: InlineDataBody,
  open: () => ClientRequest,
): Promise<RawReply> {
  return new Promise<RawReply>((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    let settled = false;
    let answered = false;
    let sent = false;
    const req = open();
    req.on('finish', () => {
      sent = true;
    });
    const settle = (error: unknown, reply?: RawReply) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(reply as RawReply);
      // A half-read answer or a half-sent body (an upstream that answered early and stopped
      // reading) leaves the socket unusable: never back to the pool, and the writer stops.
      if (error || !sent) req.destroy();
    };
    const onAbort = () => settle(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    // Kept for the request's life: destroy() can emit 'socket hang up' after settling.
    req.on('error', (error) => {
      // Once an answer has started, a failed write (an early reply, then close) is its business.
      if (!answered) settle(error);
    });
    req.on('response', (res) => {
      answered = true;
      const declared = Number(res.headers['content-length']);
      if (declared > maxReply) return settle(tooLarge(maxReply));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxReply) settle(tooLarge(maxReply));
        else chunks.push(chunk);
      });
      res.on('end', () =>
        settle(undefined, {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers,
          body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
        }),
      );
      res.on('error', (error) => settle(error));
      res.on('close', () => {
        if (!res.complete) settle(connectionLost());
      });
    });
    writeBody(req, body).catch((error: unknown) => {
      if (!answered) settle(error);
    });
  });
}

/** Prefix, base64 slices with backpressure, suffix: no full base64 string, no whole-body Buffer. */
async function writeBody(req: ClientRequest, body: InlineDataBody): Promise<void> {
  const { data } = body;
  req.write(body.prefix);
  for (let start = 0; start < data.length; start += SLICE) {
    if (req.destroyed) return;
    const slice = data.toString('base64', start, Math.min(data.length, start + SLICE));
    if (!req.write(slice, 'latin1')) await drained(req);
  }
  if (!req.destroyed) req.end(body.suffix);
}

function drained(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

function readReply(reply: RawReply, maxReply: number): GenerateContentReply {
  const text = decode(reply, maxReply).toString('utf8');
  const isJson = String(reply.headers['content-type'] ?? '').includes('application/json');
  if (reply.status < 200 || reply.status >= 300) {
    throw new ProviderHttpError(
      reply.status,
      errorBody(reply, text, isJson),
      parseRetryAfter(headerValue(reply.headers['retry-after'])),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // The text itself stays out of the message: it is the provider's, and may be anything.
    throw new ProviderReplyError(
      'REPLY_NOT_JSON',
      `provider answered HTTP ${reply.status} with ${reply.body.length} bytes that are not a JSON object (content-type ${headerValue(reply.headers['content-type']) ?? 'none'})`,
    );
  }
  return parsed as GenerateContentReply;
}

/**
 * The body classifyFailure reads: Google's JSON error as sent; anything else (a proxy's HTML 502)
 * wrapped the way the SDK did, `{error: {message: text, code, status: statusText}}`.
 */
function errorBody(reply: RawReply, text: string, isJson: boolean): unknown {
  if (isJson) {
    try {
      return JSON.parse(text);
    } catch {
      // Labelled JSON but not: treated like any other text body.
    }
  }
  return { error: { message: text, code: reply.status, status: reply.statusText } };
}

/** No Accept-Encoding is sent, so this is for an upstream that compresses anyway. */
function decode(reply: RawReply, maxReply: number): Buffer {
  const encoding = String(reply.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '' || reply.body.length === 0) return reply.body;
  const limit = { maxOutputLength: maxReply };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(reply.body, limit);
    if (encoding === 'deflate') return inflateSync(reply.body, limit);
    if (encoding === 'br') return brotliDecompressSync(reply.body, limit);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxReply);
    throw new ProviderReplyError('REPLY_UNREADABLE', `provider answer is not valid ${encoding}`);
  }
  throw new ProviderReplyError('REPLY_UNREADABLE', `provider answer has content-encoding ${encoding}`);
}

const tooLarge = (max: number) =>
  new ProviderReplyError(
    'REPLY_TOO_LARGE',
    `provider answer is larger than ${Math.round(max / 1024 / 1024)} MB; refused unread`,
  );

/** What fetch says for a body cut short: ECONNRESET, so it classifies as a lost answer. */
const connectionLost = () =>
  Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' });

/** As fetch: the signal's reason, or an AbortError when it has none. */
const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
