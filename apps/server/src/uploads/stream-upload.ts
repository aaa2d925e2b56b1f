import { createHash } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DomainError } from '@invoicegw/core';
import busboy from 'busboy';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { ServerError } from '../errors/error-table.ts';
import { type FormFields, UPLOAD_FIELD_MAX, uploadFieldOf } from '../extraction/upload-fields.ts';
import type { UploadSpool } from './upload-spool.ts';

/** The file part as received: counted, hashed and either in memory or in the spool. */
export interface ReceivedFile {
  size: number;
  sha256: string;
  declaredType: string | undefined;
  fileName: string | undefined;
  /** The bytes as one exact-size Buffer; a spooled file is read back once and removed at once. */
  bytes(): Promise<Buffer>;
}

export interface StreamedUpload {
  /** The text fields, in the order sent (the first of a repeated name wins, as in FormData). */
  fields: FormFields;
  /** The first file part named `file`, if any. */
  file: ReceivedFile | undefined;
  /** Removes what is left in the spool; every route calls it when the request ends. */
  dispose(): Promise<void>;
}

export interface StreamLimits {
  /** The largest file (413 FILE_TOO_LARGE above it). */
  maxFileBytes: number;
  /** The largest body (413 PAYLOAD_TOO_LARGE above it). */
  maxBodyBytes: number;
  spool: UploadSpool;
}

/**
 * Raw bytes a text field may have. The longest field read is 200 characters after trimming; this
 * leaves room for padding and 4-byte characters while a 1 MB value is never held whole.
 */
const FIELD_BYTES = 64 * 1024;
/** Generous for any form the old service's callers send (the alias table has 14 names). */
const MAX_FIELDS = 100;
const MAX_FILES = 10;

const malformed = () =>
  new ServerError('VALIDATION_ERROR', 'The multipart body could not be read (malformed or incomplete)');

const bodyTooLarge = (max: number) =>
  new ServerError('PAYLOAD_TOO_LARGE', `Request body is larger than ${Math.round(max / 1024 / 1024)} MB`);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1);

/**
 * Reads a multipart (or urlencoded) upload as it arrives: limits are enforced mid-stream and the
 * request answered as soon as one is crossed; the file is hashed on the way and goes to the spool
 * once it is bigger than the spool's threshold. No web FormData of the body is ever built.
 */
export async function streamUpload(c: Context<AppEnv>, limits: StreamLimits): Promise<StreamedUpload> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(type)) {
    throw new ServerError('VALIDATION_ERROR', 'Send the upload as multipart/form-data');
  }
  const declared = c.req.header('content-length');
  if (declared !== undefined && !c.req.header('transfer-encoding') && Number(declared) > limits.maxBodyBytes)
    throw bodyTooLarge(limits.maxBodyBytes);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': type },
      // As FormData reads them: the filename as sent, parameters in UTF-8.
      preservePath: true,
      defParamCharset: 'utf8',
      limits: {
        fieldSize: FIELD_BYTES,
        fields: MAX_FIELDS,
        files: MAX_FILES,
        parts: MAX_FIELDS + MAX_FILES,
        // busboy flags a part on reaching its limit: one byte more, so a file of exactly the limit passes.
        fileSize: limits.maxFileBytes + 1,
      },
    });
  } catch {
    // No boundary, or a type busboy does not read.
    throw malformed();
  }
  const body = bodyOf(c);
  if (!body) throw malformed();
  return receive(body.source, body.own, parser, limits);
}

/**
 * The Node request itself when nothing has read it yet (the server), else the web body as a Node
 * stream (app.request in tests, or a middleware that already touched the body).
 */
function bodyOf(c: Context<AppEnv>): { source: Readable; own: boolean } | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableDidRead && incoming.readableFlowing === null)
    return { source: incoming, own: false };
  const body = c.req.raw.body;
  return body ? { source: Readable.fromWeb(body as WebReadableStream), own: true } : undefined;
}

function receive(
  source: Readable,
  ownSource: boolean,
  parser: busboy.Busboy,
  limits: StreamLimits,
): Promise<StreamedUpload> {
  const list: Array<[string, string]> = [];
  const fields: FormFields = {
    get: (name) => list.find(([n]) => n === name)?.[1] ?? null,
    entries: () => list[Symbol.iterator](),
  };
  const spooled: string[] = [];
  const dispose = async () => {
    await Promise.all(spooled.splice(0).map((path) => rm(path, { force: true })));
  };
  let file: ReceivedFile | undefined;
  let fileTaken = false;
  let received = 0;
  // Work on each part; none of these ever rejects (a failure goes through `fail`).
  const pending: Promise<void>[] = [];

  return new Promise<StreamedUpload>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      // Stop reading: the answer goes out now. The Node server drains what the client still
      // sends (bounded), so a modestly oversize body gets its response rather than a reset.
      source.off('data', count);
      source.unpipe(parser);
      if (ownSource) source.destroy();
      // Not from inside busboy's own emit (a 'limit' listener): it touches the part after emitting.
      setImmediate(() => parser.destroy());
      // The spool file goes once the part's writer has stopped (never a write after removal).
      void Promise.all(pending)
        .then(dispose, dispose)
        .catch(() => undefined);
      reject(error);
    };
    const track = (work: Promise<void>) => {
      pending.push(work.catch((error: Error) => fail(error)));
    };
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBodyBytes) fail(bodyTooLarge(limits.maxBodyBytes));
    };
    source.on('data', count);
    source.on('error', () => fail(malformed()));
    source.once('close', () => {
      if (!source.readableEnded) fail(malformed());
    });

    parser.on('field', (name, value, info) => {
      // A part without a name (busboy gives undefined) is no field anyone can ask for.
      if (settled || typeof name !== 'string') return;
      if (info.valueTruncated) {
        // Too long to be read whole: refused when it is a field we read, dropped otherwise.
        const field = uploadFieldOf(name);
        if (field) fail(fieldTooLong(name, UPLOAD_FIELD_MAX[field]));
        return;
      }
      list.push([name, value]);
    });
    parser.on('file', (name, stream, info) => {
      // Destroying the parser errors its open part: never an unhandled 'error' (that would end the process).
      stream.on('error', () => undefined);
      if (settled || typeof name !== 'string') {
        stream.resume();
      } else if (info.filename === undefined) {
        // An application/octet-stream part without a filename: FormData reads it as text.
        track(textPart(name, stream, list, fail));
      } else if (name === 'file' && fileTaken) {
        // Which of two files was extracted and charged would be a guess: refuse both.
        stream.resume();
        fail(
          new ServerError(
            'VALIDATION_ERROR',
            'Send one file per request: the upload has more than one "file" part',
          ),
        );
      } else if (name !== 'file') {
        stream.resume();
      } else {
        fileTaken = true;
        const declaredType = info.mimeType || undefined;
        track(
          receiveFile(stream, limits, spooled, fail).then((got) => {
            if (got) file = { ...got, declaredType, fileName: info.filename };
          }),
        );
      }
    });
    const tooMany = () =>
      fail(
        new ServerError(
          'VALIDATION_ERROR',
          `The upload has too many parts (at most ${MAX_FIELDS} fields and ${MAX_FILES} files)`,
        ),
      );
    parser.on('partsLimit', tooMany);
    parser.on('filesLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('error', () => fail(malformed()));
    parser.once('finish', () => {
      void Promise.all(pending).then(() => {
        if (settled) return;
        settled = true;
        source.off('data', count);
        resolve({ fields, file, dispose });
      });
    });
    source.pipe(parser);
  });
}

async function textPart(
  name: string,
  stream: Readable,
  list: Array<[string, string]>,
  fail: (error: Error) => void,
): Promise<void> {
  let chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  // Read to the end even when over: leaving the loop would destroy the part, and busboy then
  // waits forever for it to be read.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (over) continue;
    size += chunk.length;
    if (size > FIELD_BYTES) {
      over = true;
      chunks = [];
      const field = uploadFieldOf(name);
      if (field) fail(fieldTooLong(name, UPLOAD_FIELD_MAX[field]));
      continue;
    }
    chunks.push(chunk);
  }
  if (!over) list.push([name, Buffer.concat(chunks, size).toString('utf8')]);
}

/**
 * Counts, hashes and keeps the file: in memory up to the spool threshold, then on disk, written
 * as it arrives (each write awaited, so a slow disk slows the client, never grows the heap).
 */
async function receiveFile(
  stream: Readable,
  limits: StreamLimits,
  spooled: string[],
  fail: (error: Error) => void,
): Promise<Omit<ReceivedFile, 'declaredType' | 'fileName'> | undefined> {
  const hash = createHash('sha256');
  let chunks: Buffer[] = [];
  let size = 0;
  let spool: { path: string; handle: FileHandle } | undefined;
  const tooLarge = () =>
    new DomainError('FILE_TOO_LARGE', `File is over the limit of ${mb(limits.maxFileBytes)} MB`, {
      details: { maxBytes: limits.maxFileBytes },
    });
  stream.once('limit', () => fail(tooLarge()));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
      if (size > limits.maxFileBytes) {
        fail(tooLarge());
        return undefined;
      }
      if (spool) {
        await writeAll(spool.handle, chunk);
        continue;
      }
      chunks.push(chunk);
      if (size > limits.spool.thresholdBytes) {
        spool = await limits.spool.create();
        spooled.push(spool.path);
        // One write for what was held, then the held chunks are let go.
        await writeAll(spool.handle, Buffer.concat(chunks, size));
        chunks = [];
      }
    }
  } catch (error) {
    await spool?.handle.close().catch(() => undefined);
    // The stream is destroyed when the request failed: the failure already has its answer.
    throw error;
  }
  if ((stream as Readable & { truncated?: boolean }).truncated) {
    await spool?.handle.close().catch(() => undefined);
    fail(tooLarge());
    return undefined;
  }
  const sha256 = hash.digest('hex');
  if (!spool) {
    // Copies out of the socket's buffers, so none of them is kept alive by the upload.
    const bytes = Buffer.concat(chunks, size);
    chunks = [];
    return { size, sha256, bytes: async () => bytes };
  }
  await spool.handle.close();
  const { path } = spool;
  return { size, sha256, bytes: () => readBack(path, size, spooled) };
}

/** One write call may write less than asked (a full disk, a signal): write the rest. */
async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
}

/** The spool file into one Buffer of its exact size, then removed (the bytes now live in memory). */
async function readBack(path: string, size: number, spooled: string[]): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  const handle = await open(path, 'r');
  try {
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, size - at, at);
      if (bytesRead === 0) throw new Error('The spooled upload is shorter than received');
      at += bytesRead;
    }
  } finally {
    await handle.close();
    await rm(path, { force: true });
    const i = spooled.indexOf(path);
    if (i >= 0) spooled.splice(i, 1);
  }
  return out;
}

function fieldTooLong(name: string, max: number): ServerError {
  const message = `${name} must be at most ${max} characters`;
  return new ServerError('VALIDATION_ERROR', `Invalid upload field: ${message}`, {
    details: { issues: [{ path: name, message }] },
  });
}

/** The route's upload with this server's limits: the file limit, and the body limit 1 MB above it (as app.ts's). */
export function streamRouteUpload(c: Context<AppEnv>): Promise<StreamedUpload> {
  const deps = c.get('deps');
  const maxFileBytes = deps.config.extraction.maxUploadBytes;
  return streamUpload(c, {
    maxFileBytes,
    maxBodyBytes: maxFileBytes + 1024 * 1024,
    spool: deps.uploadSpool,
  });
}
