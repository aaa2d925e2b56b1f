import { type PageEvidence, PageFacts } from './pdf-page-facts.ts';
import { decodeStream, PdfDecodeError } from './pdf-stream-decode.ts';
import {
  isDelimiter,
  isDict,
  isKeyword,
  isName,
  isRef,
  isWhite,
  type ParseBudget,
  type PdfDict,
  PdfLimitError,
  PdfParser,
  type PdfValue,
} from './pdf-syntax.ts';

export interface PdfFacts {
  /** An upper bound of the pages any reader (and so the provider) can see in the file. */
  pages: number;
  encrypted: boolean;
  evidence?: PageEvidence & { objectStreams: number; decodedBytes: number };
}

/** What one inspection may spend; a file that needs more is refused, never guessed at. */
export interface PdfInspectionBounds {
  /** Largest decoded object stream. */
  maxStreamBytes: number;
  /** All object streams of one file together. */
  maxDecodedBytes: number;
  /** Object definitions (top-level and in object streams). */
  maxObjects: number;
  /** Tokenizer bytes allowed per byte of input (file plus decoded streams). */
  workPerByte: number;
  /** Wall time of the whole inspection. */
  timeoutMs: number;
  /** The longest the inspection runs before giving the event loop a turn. */
  sliceMs: number;
}

export const DEFAULT_PDF_BOUNDS: PdfInspectionBounds = {
  maxStreamBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 32 * 1024 * 1024,
  maxObjects: 500_000,
  workPerByte: 4,
  timeoutMs: 10_000,
  sliceMs: 4,
};

/** Why a PDF was not inspected; validateUpload turns each into INVALID_FILE. */
export class PdfInspectionError extends Error {
  constructor(
    readonly reason: 'unreadable' | 'limits' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'PdfInspectionError';
  }
}

const OBJ = Buffer.from('obj');

interface ObjectStream {
  dict: PdfDict;
  dataStart: number;
}

/**
 * An upper bound of a PDF's pages, read the way readers find pages and never rendering
 * anything: every `n g obj` in the file (wherever it sits, so an xref cannot point at one the
 * scan missed), every object in every object stream (decoded under byte caps), and for each
 * object number its largest definition across incremental updates. The count is the largest of
 * the page dictionaries, the page tree (each node's /Count or its leaves, whichever is larger)
 * and a linearized file's announced count. Bounded in bytes, objects and time, and it yields
 * to the event loop every `sliceMs`; a file it cannot finish within the bounds is refused.
 */
export async function inspectPdf(
  bytes: Buffer,
  bounds: PdfInspectionBounds = DEFAULT_PDF_BOUNDS,
): Promise<PdfFacts> {
  if (bytes.lastIndexOf('%%EOF') < 0) throw new PdfInspectionError('unreadable', 'no end-of-file marker');
  const clock = startClock(bounds);
  const budget: ParseBudget = { remaining: bytes.length * bounds.workPerByte + 4096 };
  const facts = new PageFacts();
  try {
    if (hasEncryptKey(bytes, budget)) return { pages: 0, encrypted: true };
    const streams = await scanObjects(bytes, budget, facts, bounds, clock);
    const decodedBytes = await readObjectStreams(bytes, streams, budget, facts, bounds, clock);
    const evidence = facts.evidence();
    const pages = Math.max(evidence.typed, evidence.tree, evidence.linearized);
    return {
      pages,
      encrypted: false,
      evidence: { ...evidence, objectStreams: streams.length, decodedBytes },
    };
  } catch (error) {
    throw asInspectionError(error);
  }
}

async function scanObjects(
  bytes: Buffer,
  budget: ParseBudget,
  facts: PageFacts,
  bounds: PdfInspectionBounds,
  clock: Clock,
): Promise<ObjectStream[]> {
  const parser = new PdfParser(bytes, budget);
  const streams: ObjectStream[] = [];
  for (let at = bytes.indexOf(OBJ); at >= 0; at = bytes.indexOf(OBJ, at + 3)) {
    const after = bytes[at + 3];
    if (!isWhite(bytes[at - 1]) || !(after === undefined || isWhite(after) || isDelimiter(after))) continue;
    parser.pos = at + 3;
    const value = parser.parseValue();
    if (value === undefined) continue;
    facts.add(objectNumberBefore(bytes, at), value);
    if (facts.definitions > bounds.maxObjects) throw tooMany(bounds);
    if (isDict(value) && value.has('N') && value.has('First') && isKeyword(parser.nextToken(), 'stream')) {
      streams.push({ dict: value, dataStart: afterEol(bytes, parser.pos) });
    }
    if (clock.due()) await clock.pause();
  }
  return streams;
}

/** Objects inside object streams, where a scan of the raw bytes cannot see them. */
async function readObjectStreams(
  bytes: Buffer,
  streams: ObjectStream[],
  budget: ParseBudget,
  facts: PageFacts,
  bounds: PdfInspectionBounds,
  clock: Clock,
): Promise<number> {
  let decodedTotal = 0;
  // A stream's /N, /First, /Filter may refer to objects of another object stream: read in rounds.
  let pending = streams;
  while (pending.length > 0) {
    const deferred: ObjectStream[] = [];
    for (const stream of pending) {
      const header = streamHeader(stream.dict, facts);
      if (!header) {
        deferred.push(stream);
        continue;
      }
      const room = Math.min(bounds.maxStreamBytes, bounds.maxDecodedBytes - decodedTotal);
      const data = await decodeStream(streamData(bytes, stream, facts), header.filters, header.parms, room);
      decodedTotal += data.length;
      budget.remaining += data.length * bounds.workPerByte;
      readObjectStream(data, header.n, header.first, budget, facts, bounds);
      if (clock.due()) await clock.pause();
    }
    if (deferred.length === pending.length) {
      throw new PdfInspectionError(
        'unsupported',
        'an object stream describes itself through objects the file does not define',
      );
    }
    pending = deferred;
  }
  return decodedTotal;
}

function readObjectStream(
  data: Buffer,
  n: number,
  first: number,
  budget: ParseBudget,
  facts: PageFacts,
  bounds: PdfInspectionBounds,
): void {
  const parser = new PdfParser(data, budget);
  const entries: Array<[number, number]> = [];
  const room = bounds.maxObjects - facts.definitions + 1;
  for (let i = 0; i < Math.min(n, room); i++) {
    const num = parser.nextToken();
    const offset = parser.nextToken();
    if (!isNatural(num) || !isNatural(offset)) break;
    entries.push([num, offset]);
  }
  for (const [num, offset] of entries) {
    if (first + offset >= data.length) continue;
    parser.pos = first + offset;
    const value = parser.parseValue();
    if (value !== undefined) facts.add(num, value);
    if (facts.definitions > bounds.maxObjects) throw tooMany(bounds);
  }
}

interface StreamHeader {
  n: number;
  first: number;
  filters: string[];
  parms: Array<PdfValue | undefined>;
}

/** /N, /First, /Filter and /DecodeParms, resolved; undefined while a reference is unresolved. */
function streamHeader(dict: PdfDict, facts: PageFacts): StreamHeader | undefined {
  const resolve = (v: PdfValue | undefined) => (isRef(v) ? facts.smallValues.get(v.num) : v);
  const n = resolve(dict.get('N'));
  const first = resolve(dict.get('First'));
  if (!isNatural(n) || !isNatural(first)) return undefined;
  const filter = resolve(dict.get('Filter'));
  const list = filter === undefined || filter === null ? [] : Array.isArray(filter) ? filter : [filter];
  const filters: string[] = [];
  for (const f of list) {
    const name = resolve(f);
    if (!isName(name)) return undefined;
    filters.push(name.value);
  }
  const declared = dict.get('DecodeParms') ?? dict.get('DP');
  const all = resolve(declared);
  if (isRef(declared) && all === undefined) return undefined;
  const parms: Array<PdfValue | undefined> = [];
  for (const p of Array.isArray(all) ? all : [all]) {
    const value = resolve(p);
    if (isRef(p) && value === undefined) return undefined;
    parms.push(value ?? undefined);
  }
  return { n, first, filters, parms };
}

/** The stream's bytes: /Length when it lands on `endstream`, else up to the next `endstream`. */
function streamData(bytes: Buffer, stream: ObjectStream, facts: PageFacts): Buffer {
  const declared = stream.dict.get('Length');
  const length = isRef(declared) ? facts.intOf(declared.num) : declared;
  if (isNatural(length) && stream.dataStart + length <= bytes.length) {
    let i = stream.dataStart + length;
    while (isWhite(bytes[i])) i += 1;
    if (bytes.toString('latin1', i, i + 9) === 'endstream') {
      return bytes.subarray(stream.dataStart, stream.dataStart + length);
    }
  }
  const end = bytes.indexOf('endstream', stream.dataStart);
  return bytes.subarray(stream.dataStart, end < 0 ? bytes.length : end);
}

/** `n g obj` read backwards from `obj`, skipping whitespace and comments; undefined if absent. */
function objectNumberBefore(bytes: Buffer, objAt: number): number | undefined {
  // The usual header, `12 0 obj` on one line, read without looking for comments.
  let i = objAt - 1;
  let j = i;
  while (j >= 0 && (bytes[j] === 0x20 || bytes[j] === 0x09 || bytes[j] === 0x00 || bytes[j] === 0x0c)) j -= 1;
  const genEnd0 = j;
  while (j >= 0 && isDigit(bytes[j])) j -= 1;
  if (j < genEnd0 && (bytes[j] === 0x20 || bytes[j] === 0x09 || bytes[j] === 0x00 || bytes[j] === 0x0c)) {
    while (j >= 0 && (bytes[j] === 0x20 || bytes[j] === 0x09 || bytes[j] === 0x00 || bytes[j] === 0x0c))
      j -= 1;
    const numEnd0 = j;
    while (j >= 0 && isDigit(bytes[j]) && numEnd0 - j < 10) j -= 1;
    if (j < numEnd0 && (j < 0 || bytes[j] === 0x0a || bytes[j] === 0x0d)) {
      return Number(bytes.toString('latin1', j + 1, numEnd0 + 1));
    }
  }
  i = skipSpaceBackwards(bytes, objAt - 1);
  const genEnd = i;
  while (i >= 0 && isDigit(bytes[i])) i -= 1;
  if (i === genEnd) return undefined;
  i = skipSpaceBackwards(bytes, i);
  const numEnd = i;
  while (i >= 0 && isDigit(bytes[i]) && numEnd - i < 10) i -= 1;
  if (i === numEnd) return undefined;
  return Number(bytes.toString('latin1', i + 1, numEnd + 1));
}

function skipSpaceBackwards(bytes: Buffer, from: number): number {
  let i = from;
  for (let rounds = 0; rounds < 16; rounds++) {
    while (i >= 0 && isWhite(bytes[i])) i -= 1;
    // A comment on this line ends at the line break just skipped: step before its "%".
    // Looked for natively, within 256 bytes, so long lines cost nothing per object.
    const windowStart = Math.max(0, i - 255);
    const window = bytes.subarray(windowStart, i + 1);
    const lineStart = Math.max(window.lastIndexOf(0x0a), window.lastIndexOf(0x0d)) + 1;
    const percent = window.subarray(lineStart).indexOf(0x25);
    if (percent < 0) return i;
    i = windowStart + lineStart + percent - 1;
  }
  return i;
}

/** `/Encrypt` followed by a dictionary or a reference, anywhere, name escapes decoded. */
function hasEncryptKey(bytes: Buffer, budget: ParseBudget): boolean {
  const probe = new PdfParser(bytes, budget);
  for (const start of ['/E', '/#']) {
    for (let at = bytes.indexOf(start); at >= 0; at = bytes.indexOf(start, at + 1)) {
      probe.pos = at;
      if (!isName(probe.nextToken(), 'Encrypt')) continue;
      const next = probe.nextToken();
      if (isKeyword(next, '<<')) return true;
      if (isNatural(next) && isNatural(probe.nextToken()) && isKeyword(probe.nextToken(), 'R')) return true;
    }
  }
  return false;
}

interface Clock {
  /** True once the current slice has run `sliceMs`. */
  due(): boolean;
  /** Gives the event loop a turn; refuses the file once the whole inspection passed its time. */
  pause(): Promise<void>;
}

function startClock(bounds: PdfInspectionBounds): Clock {
  const started = performance.now();
  let slice = started;
  return {
    due: () => performance.now() - slice >= bounds.sliceMs,
    async pause() {
      if (performance.now() - started > bounds.timeoutMs) {
        throw new PdfInspectionError(
          'limits',
          `inspection took longer than ${Math.round(bounds.timeoutMs / 1000)} s`,
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    },
  };
}

function asInspectionError(error: unknown): Error {
  if (error instanceof PdfInspectionError) return error;
  if (error instanceof PdfDecodeError) {
    const reason = { unsupported: 'unsupported', 'too-large': 'limits', damaged: 'unreadable' } as const;
    return new PdfInspectionError(reason[error.reason], error.message);
  }
  if (error instanceof PdfLimitError || error instanceof RangeError) {
    return new PdfInspectionError('limits', `the file is too complex to inspect (${error.message})`);
  }
  return error as Error;
}

const tooMany = (bounds: PdfInspectionBounds) =>
  new PdfInspectionError('limits', `the file defines more than ${bounds.maxObjects} objects`);

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isNatural = (v: PdfValue | undefined): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0;

function afterEol(bytes: Buffer, at: number): number {
  if (bytes[at] === 0x0d && bytes[at + 1] === 0x0a) return at + 2;
  if (bytes[at] === 0x0a || bytes[at] === 0x0d) return at + 1;
  return at;
}
